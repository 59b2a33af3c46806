package dev.sluice.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/** Working folders for integration tests under {@code target/it/}: configs, logs, broker data. */
public final class TestDirs {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String RUN =
      LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));

  private TestDirs() {}

  /**
   * A new folder {@code target/it/<run>-<name>-<n>}; the module's folder is the working directory.
   */
  public static Path create(String name) {
    Path dir =
        Path.of("target", "it", RUN + "-" + name + "-" + SEQ.incrementAndGet()).toAbsolutePath();
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /** The last {@code lines} lines of a log file, for failure messages. */
  public static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no log at " + file + ")";
      }
      var all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }
}
