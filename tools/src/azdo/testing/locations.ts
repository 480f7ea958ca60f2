import type { FakeRequest, FakeResponse } from './fake-server';

/**
 * What Azure DevOps answers to OPTIONS {collection}/_apis/{area}: the resource locations
 * azure-devops-node-api turns into request URLs and api-versions. Only the locations the
 * shipyard commands use; ids, route templates and versions as the service publishes them.
 */
interface ResourceLocation {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  minVersion: string;
  maxVersion: string;
  releasedVersion: string;
}

const locations: ResourceLocation[] = [
  {
    id: '0cd358e1-9217-4d94-8269-1c1ee6f93dcf',
    area: 'build',
    resourceName: 'builds',
    routeTemplate: '{project}/_apis/{area}/{resource}/{buildId}',
    resourceVersion: 7,
    minVersion: '1.0',
    maxVersion: '7.2',
    releasedVersion: '7.1',
  },
  {
    id: '8baac422-4c6e-4de5-8532-db96d92acffa',
    area: 'build',
    resourceName: 'Timeline',
    routeTemplate: '{project}/_apis/{area}/builds/{buildId}/{resource}/{timelineId}',
    resourceVersion: 2,
    minVersion: '2.0',
    maxVersion: '7.2',
    releasedVersion: '7.1',
  },
  {
    id: '8572b1fc-2482-47fa-8f74-7e3ed53ee54b',
    area: 'distributedtask',
    resourceName: 'environments',
    routeTemplate: '{project}/_apis/{area}/{resource}/{environmentId}',
    resourceVersion: 1,
    minVersion: '5.0',
    maxVersion: '7.2',
    releasedVersion: '0.0',
  },
  {
    id: '72c7ddf8-2cdc-4f60-90cd-ab71c14a399b',
    area: 'wit',
    resourceName: 'workItems',
    routeTemplate: '{project}/_apis/{area}/{resource}/{id}',
    resourceVersion: 3,
    minVersion: '4.0',
    maxVersion: '7.2',
    releasedVersion: '7.1',
  },
  {
    id: '608aac0a-32e1-4493-a863-b9cf4566d257',
    area: 'wit',
    resourceName: 'comments',
    routeTemplate: '{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}',
    resourceVersion: 4,
    minVersion: '5.0',
    maxVersion: '7.2',
    releasedVersion: '0.0',
  },
];

/** The OPTIONS answer for an area, or undefined when the request is not a location lookup. */
export function locationsRoute(collectionPath: string[], request: FakeRequest): FakeResponse | undefined {
  if (request.method !== 'OPTIONS') return undefined;
  const prefix = [...collectionPath, '_apis'];
  const matches = request.segments.length === prefix.length + 1 && prefix.every((segment, index) => request.segments[index] === segment);
  if (!matches) return undefined;
  const area = request.segments[prefix.length].toLowerCase();
  const value = locations.filter((location) => location.area === area);
  return { status: 200, body: { count: value.length, value } };
}
