// The UMD bundle of @polkadot/api 16.5.6 (bundle-polkadot-api.js) takes two of its imports from
// globals that no bundle defines: `constants` (@polkadot/types/extrinsic/constants) and `util$1`
// (@polkadot/types/util). Without them every storage query fails ("Cannot read properties of
// undefined (reading 'unwrapStorageSi')"). Define both from the types bundle, which is loaded
// before this file; the api bundle is loaded after it.
(function (g) {
  'use strict';
  var types = g.polkadotTypes;
  if (!types) throw new Error('load bundle-polkadot-types.js before bundle-shim.js');
  g.constants = g.constants || {
    LATEST_EXTRINSIC_VERSION: types.GenericExtrinsic.LATEST_EXTRINSIC_VERSION
  };
  g.util$1 = g.util$1 || {
    // @polkadot/types/util/storage.js: the value type of a plain or map storage entry.
    unwrapStorageSi: function (type) {
      return type.isPlain ? type.asPlain : type.asMap.value;
    }
  };
})(globalThis);
