import { type Command, Option } from 'commander';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --ca-file, repeatable: certificates to trust for registries with a private CA (the local one). */
export function caFileOption(): Option {
  return new Option('--ca-file <file>', 'trust this CA certificate (PEM) for the registry; repeatable; also SHIPYARD_REGISTRY_CA (path list) and NODE_EXTRA_CA_CERTS').argParser(collect);
}

/** --registry and --ca-file, shared by the release, deploy and smoke commands. */
export function withRegistryOptions(command: Command): Command {
  return command
    .option('--registry <host[:port]>', 'container registry holding images and releases (env SHIPYARD_REGISTRY; default 127.0.0.1:5000, the local one)')
    .addOption(caFileOption());
}
