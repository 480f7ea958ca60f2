// Preloaded (before the telemetry preload) by the benchmark's "exporter off" rows: the Azure
// Monitor exporters report success without serialising or sending anything, so the row that
// adds the real exporter prices exactly envelope building, JSON, gzip and the HTTPS request.
'use strict';
const path = require('node:path');

const preload = require.resolve('@shipyard/telemetry/preload');
const sdk = path.dirname(require.resolve('applicationinsights', { paths: [preload] }));
const distro = path.dirname(require.resolve('@azure/monitor-opentelemetry', { paths: [sdk] }));
const exporter = require(require.resolve('@azure/monitor-opentelemetry-exporter', { paths: [distro] }));
for (const name of ['AzureMonitorTraceExporter', 'AzureMonitorLogExporter', 'AzureMonitorMetricExporter']) {
  exporter[name].prototype.export = function exportNothing(_items, resultCallback) {
    resultCallback({ code: 0 });
  };
}
