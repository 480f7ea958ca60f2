// Build step after tsc: the page's static files, and the Application Insights browser bundle.
// The bundle is copied out of the SDK package at build time so the image ships one 100 kB file
// instead of the whole SDK package tree (the package is a devDependency).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const project = path.resolve(__dirname, '..');
fs.cpSync(path.join(project, 'src', 'public'), path.join(project, 'dist', 'public'), { recursive: true });

const sdkPackage = path.dirname(require.resolve('@microsoft/applicationinsights-web/package.json', { paths: [project] }));
const bundle = path.join(sdkPackage, 'dist', 'es5', 'applicationinsights-web.min.js');
fs.mkdirSync(path.join(project, 'dist', 'vendor'), { recursive: true });
fs.copyFileSync(bundle, path.join(project, 'dist', 'vendor', 'applicationinsights-web.min.js'));
