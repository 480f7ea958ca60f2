/** A rehearsal container as `docker ps` reports it (from its labels). */
export interface RunningContainer {
  id: string;
  name: string;
  revision: number;
  specHash: string;
  port: number;
  running: boolean;
}

export type ContainerPlan =
  /** The active container already runs this pod spec: nothing to restart (Kubernetes does not restart pods of an unchanged template either). */
  | { kind: 'keep'; active: RunningContainer; remove: RunningContainer[] }
  /** Start the new one on `port`, wait for readiness, route the Service to it, then stop `active` (if any). */
  | { kind: 'start'; port: number; active: RunningContainer | null; remove: RunningContainer[] };

/**
 * How to bring one app's containers to a pod spec. The active container is the running one the
 * Service routes to (else the newest running one); a new container takes the other of the app's
 * two ports, so both can run during the hand-over. Containers that are neither active nor
 * needed (crashed, left over by an interrupted run) are removed.
 */
export function planContainers(current: readonly RunningContainer[], desired: { specHash: string; ports: readonly [number, number] }, routedPort: number | null): ContainerPlan {
  const running = current.filter((c) => c.running);
  const active = running.find((c) => c.port === routedPort) ?? [...running].sort((a, b) => b.revision - a.revision)[0] ?? null;
  const others = current.filter((c) => c !== active);
  if (active && active.specHash === desired.specHash) return { kind: 'keep', active, remove: others };
  const port = active?.port === desired.ports[0] ? desired.ports[1] : desired.ports[0];
  return { kind: 'start', port, active, remove: others };
}
