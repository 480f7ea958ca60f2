// The process of every pod sandbox ("pause", as registry.k8s.io/pause runs, which cannot be
// pulled here): it holds the pod's namespaces, reaps orphaned children and exits on SIGINT or
// SIGTERM. `shipyard cluster up` imports it into containerd as the CRI sandbox image.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for received := range signals {
		if received != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
