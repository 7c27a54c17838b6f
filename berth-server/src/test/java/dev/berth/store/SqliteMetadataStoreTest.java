package dev.berth.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The metadata store contract on the embedded default: a new SQLite file for every test. */
class SqliteMetadataStoreTest extends MetadataStoreContract {
  @TempDir Path dataDir;

  @Override
  Database openEmpty() {
    return Database.sqlite(dataDir);
  }

  @Override
  void finished(Database db) {
    db.close();
  }
}
