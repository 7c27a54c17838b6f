package dev.berth.store;

import java.nio.file.Path;

/** The embedded default's blob store keeps the {@link BlobStoreContract}. */
class LocalBlobStoreTest extends BlobStoreContract {
  @Override
  BlobStore open(Path dataDir) {
    return new LocalBlobStore(dataDir);
  }
}
