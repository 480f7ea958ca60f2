import { acrImportArgs, acrName, choosePromotionMethod } from './acr-import';

// ACR import copies by the registry service (no docker pull/push through the client), between
// registries by resource or login server: https://learn.microsoft.com/en-us/azure/container-registry/container-registry-import-images
// az acr import (--source <login server>/<repo>@<digest>, --image <repo>:<tag>, --force):
// https://learn.microsoft.com/en-us/cli/azure/acr#az-acr-import
// The ARM operation behind it: https://learn.microsoft.com/en-us/rest/api/containerregistry/registries/import-image
describe('promotion method', () => {
  it('imports server-side when both registries are ACRs (public and sovereign clouds)', () => {
    expect(choosePromotionMethod('acrshipyard.azurecr.io', 'acrshipyardprod.azurecr.io')).toEqual({ kind: 'acr-import', sourceAcr: 'acrshipyard', targetAcr: 'acrshipyardprod' });
    expect(choosePromotionMethod('contoso.azurecr.cn', 'ContosoProd.azurecr.us')).toEqual({ kind: 'acr-import', sourceAcr: 'contoso', targetAcr: 'contosoprod' });
  });

  it('streams when either side is another registry, and says which', () => {
    expect(choosePromotionMethod('127.0.0.1:5000', 'acrshipyardprod.azurecr.io')).toEqual({ kind: 'stream', why: '127.0.0.1:5000 is not an Azure Container Registry' });
    expect(choosePromotionMethod('ghcr.io', 'registry.example.com')).toEqual({ kind: 'stream', why: 'ghcr.io and registry.example.com are not Azure Container Registries' });
    // a look-alike host is not an ACR login server
    expect(acrName('acrshipyard.azurecr.io.example.com')).toBeNull();
    expect(acrName('acrshipyard.azurecr.io:443')).toBeNull();
  });

  it('imports by digest and tags with the source tag', () => {
    expect(acrImportArgs({ sourceRegistry: 'acrshipyard.azurecr.io', targetAcr: 'acrshipyardprod', repository: 'catalog-api', digest: `sha256:${'a'.repeat(64)}`, tag: 'b'.repeat(40) })).toEqual([
      'acr', 'import', '--name', 'acrshipyardprod',
      '--source', `acrshipyard.azurecr.io/catalog-api@sha256:${'a'.repeat(64)}`,
      '--image', `catalog-api:${'b'.repeat(40)}`,
      '--force', '--only-show-errors',
    ]);
  });
});
