#!/usr/bin/env -S node --conditions=@shipyard/source
// The CLI runs from its TypeScript sources (through tsx), so `npx shipyard` never runs a
// stale build. --conditions resolves workspace libraries to their sources as well.
'use strict';
require('tsx/cjs');
require('../src/main.ts');
