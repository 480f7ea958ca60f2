// @ts-check
// Validates Kubernetes objects with kubernetes-models (JSON schemas generated from the
// Kubernetes OpenAPI spec). kubernetes-models ships only as ES modules, which a jest test cannot
// import in-process, so tools/src/charts/kubernetes-schema.ts runs this file in a worker thread:
// plain Node there, in the CLI and in tests alike.
import { parentPort, workerData } from 'node:worker_threads';

/** @param {string} apiVersion @param {string} kind */
function specifierFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** @type {{ apiVersion: string, kind: string }[]} */
const objects = workerData.objects;
/** @type {(string | null)[]} */
const results = [];
for (const object of objects) {
  let Model;
  try {
    Model = (await import(specifierFor(object.apiVersion, object.kind)))[object.kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    results.push(`kubernetes-models has no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
    results.push(null);
  } catch (error) {
    results.push(error instanceof Error ? error.message : String(error));
  }
}
parentPort?.postMessage(results);
