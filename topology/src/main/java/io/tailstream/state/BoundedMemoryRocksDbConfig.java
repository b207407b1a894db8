package io.tailstream.state;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB store in the process, following Kafka Streams'
 * documented "BoundedMemoryRocksDBConfig" pattern: one LRU block cache shared by all stores, a
 * {@link WriteBufferManager} that charges every memtable to that same cache, and index and filter
 * blocks kept in the cache (with high priority) instead of outside it. Block cache, memtables,
 * indexes and filters together then stay within {@code state.rocksdb.memory}, however many stores,
 * tasks and window-store segments are open.
 *
 * <p>Kafka Streams instantiates this class per store; the cache is static and shared, and sized by
 * the streams config key {@value #MEMORY_BYTES_CONFIG} (bytes; {@link
 * io.tailstream.app.StreamsSettings} sets it from {@code state.rocksdb.memory}). The cache and
 * write buffer manager live as long as the process and are never closed: closing them would pull
 * them from under other open stores.
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {
  /** Streams config key with the total RocksDB memory, in bytes. */
  public static final String MEMORY_BYTES_CONFIG = "tailstream.rocksdb.memory.bytes";
  /** Used when {@value #MEMORY_BYTES_CONFIG} is absent: 128 MiB. */
  public static final long DEFAULT_MEMORY_BYTES = 128L << 20;
  /**
   * Share of the cache that memtables may take before the write buffer manager makes stores
   * flush. Assembly appends and deletes far more than it reads back, so writes get half.
   */
  static final double WRITE_BUFFER_SHARE = 0.5;
  /** Kafka Streams' default memtable size, the least each store gets. */
  static final long MIN_WRITE_BUFFER_BYTES = 16L << 20;
  /** The most one memtable may hold. */
  static final long MAX_WRITE_BUFFER_BYTES = 256L << 20;

  /** Share of the cache reserved for index and filter blocks (high priority). */
  static final double HIGH_PRIORITY_POOL_RATIO = 0.1;

  /** One cache per configured size; a process normally has exactly one. */
  private static final Map<Long, SharedMemory> SHARED = new ConcurrentHashMap<>();

  /** The cache and write buffer manager shared by every store configured with one size. */
  private record SharedMemory(Cache cache, WriteBufferManager writeBufferManager) {
    static SharedMemory allocate(long bytes) {
      // Not a strict limit: at capacity RocksDB evicts; a strict one would fail reads instead.
      Cache cache = new LRUCache(bytes, -1, false, HIGH_PRIORITY_POOL_RATIO);
      return new SharedMemory(cache,
          new WriteBufferManager((long) (bytes * WRITE_BUFFER_SHARE), cache));
    }
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    SharedMemory shared = SHARED.computeIfAbsent(memoryBytes(configs), SharedMemory::allocate);
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(shared.cache());
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(shared.writeBufferManager());
    options.setWriteBufferSize(writeBufferBytes(memoryBytes(configs)));
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // Nothing per store was created here; the cache and write buffer manager are shared.
  }

  /**
   * Each store's memtable size: a quarter of the memtables' share, between 16 MiB (Kafka Streams'
   * default) and 256 MiB. A fragment appended and deleted within one memtable never reaches disk:
   * the flush drops the value. Bigger memtables let more of the trace buffer live and die in
   * memory (measured in docs/benchmarks.md); the write buffer manager still flushes the largest
   * when all memtables together reach their share.
   */
  static long writeBufferBytes(long memoryBytes) {
    long quarter = (long) (memoryBytes * WRITE_BUFFER_SHARE) / 4;
    return Math.max(MIN_WRITE_BUFFER_BYTES, Math.min(MAX_WRITE_BUFFER_BYTES, quarter));
  }

  /** The block cache shared by stores configured with {@code bytes}. */
  // Visible for testing
  static Cache sharedCache(long bytes) {
    return SHARED.computeIfAbsent(bytes, SharedMemory::allocate).cache();
  }

  /** The write buffer manager shared by stores configured with {@code bytes}. */
  // Visible for testing
  static WriteBufferManager sharedWriteBufferManager(long bytes) {
    return SHARED.computeIfAbsent(bytes, SharedMemory::allocate).writeBufferManager();
  }

  static long memoryBytes(Map<String, Object> configs) {
    Object value = configs.get(MEMORY_BYTES_CONFIG);
    if (value == null) {
      return DEFAULT_MEMORY_BYTES;
    }
    long bytes;
    try {
      bytes = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(MEMORY_BYTES_CONFIG, value, "must be a whole number of bytes");
    }
    if (bytes <= 0) {
      throw new ConfigException(MEMORY_BYTES_CONFIG, value, "must be positive");
    }
    return bytes;
  }
}
