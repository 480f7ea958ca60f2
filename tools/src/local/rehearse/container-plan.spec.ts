import { planContainers, type RunningContainer } from './container-plan';

const container = (overrides: Partial<RunningContainer>): RunningContainer => ({ id: 'id', name: 'n', revision: 1, specHash: 'h1', port: 18100, running: true, ...overrides });
const ports = [18100, 18101] as const;

describe('planContainers', () => {
  it('starts on the first port when nothing runs', () => {
    expect(planContainers([], { specHash: 'h1', ports }, null)).toEqual({ kind: 'start', port: 18100, active: null, remove: [] });
  });

  it('keeps the running container when its pod spec is the desired one', () => {
    const active = container({});
    expect(planContainers([active], { specHash: 'h1', ports }, 18100)).toEqual({ kind: 'keep', active, remove: [] });
  });

  it('starts the new one on the other port and stops the old one after it, when the spec changed', () => {
    const active = container({ port: 18101, revision: 2 });
    expect(planContainers([active], { specHash: 'h2', ports }, 18101)).toEqual({ kind: 'start', port: 18100, active, remove: [] });
  });

  it('treats the routed container as active and removes crashed and left-over ones', () => {
    const routed = container({ id: 'a', port: 18100, revision: 1 });
    const leftover = container({ id: 'b', port: 18101, revision: 2, specHash: 'h9' });
    const crashed = container({ id: 'c', port: 18101, revision: 3, running: false });
    expect(planContainers([routed, leftover, crashed], { specHash: 'h2', ports }, 18100)).toEqual({ kind: 'start', port: 18101, active: routed, remove: [leftover, crashed] });
  });

  it('without a route, the newest running container is the active one', () => {
    const older = container({ id: 'a', revision: 1, port: 18100 });
    const newer = container({ id: 'b', revision: 2, port: 18101, specHash: 'h2' });
    expect(planContainers([older, newer], { specHash: 'h2', ports }, null)).toEqual({ kind: 'keep', active: newer, remove: [older] });
  });
});
