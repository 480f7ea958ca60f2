import path from 'node:path';

/**
 * The Application Insights SDK talks to more than the ingestion endpoint: statsbeat and SDK stats
 * (reports about itself), OneSettings (remote configuration, polled 5-15 s after start), Live
 * Metrics, and the Azure VM resource detector (IMDS at 169.254.169.254). Live Metrics has an
 * option; the others are switched here. Each function returns what it could not switch, so the
 * preload can say so instead of failing the service.
 */

/** Environment switches the exporter reads when it is constructed. */
export function sdkStatsEnvironment(enabled: boolean): Record<string, string> {
  return enabled
    ? {}
    : {
        APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
        APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
      };
}

/** Resolves a module the way `from` (a package inside the SDK) would, bypassing `exports` maps for internal files. */
function sdkModuleDir(specifier: string, from: string): string {
  return path.dirname(require.resolve(specifier, { paths: [from] }));
}

function sdkPaths() {
  const distro = sdkModuleDir('@azure/monitor-opentelemetry', sdkModuleDir('applicationinsights', __dirname));
  return {
    distro,
    exporter: sdkModuleDir('@azure/monitor-opentelemetry-exporter', distro),
    azureDetectors: require.resolve('@opentelemetry/resource-detector-azure', { paths: [distro] }),
  };
}

/**
 * The distro runs the VM detector whenever no App Service/Functions/Container Apps/AKS platform is
 * detected, and OTEL_NODE_RESOURCE_DETECTORS does not stop it. On AKS, CLUSTER_RESOURCE_ID makes
 * the AKS detector win and the probe is skipped; elsewhere (laptops, CI, plain containers) this
 * turns the detector into one that finds nothing. Must run before the distro is started.
 */
export function disableAzureVmDetector(): string | undefined {
  try {
    const detectors = require(sdkPaths().azureDetectors) as { azureVmDetector?: { detect: unknown } };
    if (!detectors.azureVmDetector) return 'azureVmDetector not found in @opentelemetry/resource-detector-azure';
    detectors.azureVmDetector.detect = () => ({ attributes: {} });
    return undefined;
  } catch (error) {
    return `could not switch off the Azure VM detector: ${(error as Error).message}`;
  }
}

/**
 * Every exporter starts the process-wide OneSettings poller (no option or variable turns it off);
 * stopping that singleton after start is the SDK's own idempotent shutdown. Must run after start.
 */
export function stopOneSettingsPolling(): string | undefined {
  try {
    const file = path.join(sdkPaths().exporter, '_configuration', 'configurationManager.js');
    const { ConfigurationManager } = require(file) as { ConfigurationManager?: { getInstance(): { shutdown(): void } } };
    if (!ConfigurationManager) return `ConfigurationManager not found in ${file}`;
    ConfigurationManager.getInstance().shutdown();
    return undefined;
  } catch (error) {
    return `could not stop OneSettings polling: ${(error as Error).message}`;
  }
}
