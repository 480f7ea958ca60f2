/**
 * What a service name must be. One kebab-case name runs through every layer (folder, Nx
 * project, npm package, image, chart, Helm release, Kubernetes objects, pipeline matrix leg),
 * so the strictest of them decides: a Helm release name (at most 53 characters) that is also
 * a DNS-1035 label (a Kubernetes Service name: lowercase letters, digits and hyphens, starting
 * with a letter, not ending with a hyphen).
 */
export const maxServiceNameLength = 53;

/** Names that already mean something in this workspace or in a cluster, with the reason. */
export const reservedServiceNames: Readonly<Record<string, string>> = {
  common: 'the library chart every service chart builds on (charts/common)',
  service: 'the generic chart every service chart depends on (charts/service)',
  environments: 'the per-environment values folder (charts/environments)',
  tools: 'the shipyard CLI and Nx plugin project (tools/)',
  shipyard: 'the workspace and npm scope (@shipyard/*)',
  test: 'the Nx target every project has (nx run <project>:test)',
  node_modules: 'the npm install folder',
  default: 'the Kubernetes default namespace',
  apps: 'a workspace folder',
  libs: 'a workspace folder',
  charts: 'a workspace folder',
  pipelines: 'the pipeline templates project (pipelines/)',
  dist: 'the build output folder',
};

/** Prefixes Kubernetes keeps for itself (kube-system, kube-public, kube-node-lease). */
export const reservedServiceNamePrefixes: Readonly<Record<string, string>> = {
  'kube-': 'Kubernetes reserves the kube- prefix for its own namespaces and components',
};

const quote = (chars: Iterable<string>) => [...new Set(chars)].map((c) => (c === ' ' ? 'a space' : `"${c}"`)).join(', ');

/**
 * Every reason the name cannot be a service name (empty when it can). Each message names
 * the rule it breaks, so a rejected name can be fixed in one go.
 */
export function serviceNameProblems(name: string): string[] {
  if (name.trim() === '') return ['a service name is required (e.g. "orders-api")'];
  const problems: string[] = [];
  const uppercase = name.match(/[A-Z]/g);
  if (uppercase) problems.push(`contains uppercase letters (${quote(uppercase)}): service names are lowercase`);
  if (/\s/.test(name)) problems.push('contains spaces: join words with hyphens');
  const other = name.match(/[^a-zA-Z0-9\s-]/g);
  if (other) problems.push(`contains ${quote(other)}: only lowercase letters, digits and hyphens are allowed`);
  if (/^[0-9]/.test(name)) problems.push('starts with a digit: a Kubernetes Service name must start with a letter');
  if (name.startsWith('-') || name.endsWith('-')) problems.push('starts or ends with a hyphen');
  if (name.length > maxServiceNameLength) {
    problems.push(`is ${name.length} characters long: at most ${maxServiceNameLength} (the longest Helm release name)`);
  }
  const reserved = reservedServiceNames[name];
  if (reserved) problems.push(`is reserved: ${reserved}`);
  for (const [prefix, why] of Object.entries(reservedServiceNamePrefixes)) {
    if (name.startsWith(prefix)) problems.push(`starts with "${prefix}": ${why}`);
  }
  return problems;
}

/** A valid name close to what was typed ("Orders API" → "orders-api"), if there is one. */
export function suggestServiceName(name: string): string | undefined {
  const suggestion = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return suggestion !== name && serviceNameProblems(suggestion).length === 0 ? suggestion : undefined;
}
