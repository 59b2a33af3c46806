package dev.sluice.schema;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SchemasConfig;
import dev.sluice.config.SluiceConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar sluice.jar schemas check ...}: reads a schema directory as the gateway does at start
 * and checks the compatibility of consecutive versions, for CI pipelines. Prints each finding; exits 0
 * when every schema is usable and every pair compatible, 1 when not, 2 on a usage error.
 */
public final class SchemasCli {

  static final String USAGE = """
      usage: sluice schemas check [--dir DIR] [--compatibility backward|forward|full|none] [--config FILE]
      --dir: the schema directory (default: schemas.dir of the configuration: --config FILE, else
             $SLUICE_CONFIG, else the bundled defaults)
      --compatibility: the rule between consecutive versions (default: schemas.compatibility, backward)
      exit: 0 compatible, 1 a schema cannot be used or a pair is incompatible, 2 usage error""";

  private SchemasCli() {}

  /** Runs the command {@code args} (what follows {@code schemas}); returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.length == 0 || !args[0].equals("check")) {
      err.println("sluice schemas: " + (args.length == 0 ? "a command is required" : "unknown command '" + args[0] + "'"));
      err.println(USAGE);
      return 2;
    }
    String dir = null;
    String mode = null;
    List<String> configArgs = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length || !List.of("--dir", "--compatibility", "--config").contains(a)) {
        err.println("sluice schemas: " + (a.startsWith("--") ? "option " + a + " needs a value or is unknown" : "unexpected '" + a + "'"));
        err.println(USAGE);
        return 2;
      }
      String value = args[++i];
      switch (a) {
        case "--dir" -> dir = value;
        case "--compatibility" -> mode = value;
        default -> configArgs.addAll(List.of("--config", value));
      }
    }
    SchemasConfig config;
    try {
      SchemasConfig.Compatibility compatibility =
          mode == null ? null : SchemasConfig.Compatibility.of("--compatibility", mode);
      if (dir == null) {
        SluiceConfig loaded = ConfigLoader.load(configArgs.toArray(String[]::new), env);
        config = loaded.schemas();
      } else {
        config = new SchemasConfig(true, Path.of(dir).toAbsolutePath().normalize(),
            SchemasConfig.Compatibility.BACKWARD);
      }
      if (compatibility != null) {
        config = new SchemasConfig(true, config.dir(), compatibility);
      }
    } catch (ConfigException e) {
      err.println("sluice schemas: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (!Files.isDirectory(config.dir())) {
      err.println("sluice schemas: " + config.dir() + " is not a directory");
      return 2;
    }
    SchemaFiles files;
    try {
      files = SchemaFiles.read(config.dir());
    } catch (SchemaException e) {
      out.println(e.getMessage());
      return 1;
    }
    List<String> findings = Compatibility.check(files, config.compatibility());
    int versions = files.types().values().stream().mapToInt(Map::size).sum();
    for (var t : files.types().entrySet()) {
      out.println(t.getKey() + ": versions " + String.join(", ",
          t.getValue().keySet().stream().map(Version::text).toList()));
    }
    findings.forEach(out::println);
    String summary = versions + " schema(s) of " + files.types().size() + " event type(s) in " + config.dir()
        + ", compatibility " + config.compatibility().label() + ": ";
    if (findings.isEmpty()) {
      out.println(summary + "compatible");
      return 0;
    }
    out.println(summary + findings.size() + " incompatibilit" + (findings.size() == 1 ? "y" : "ies"));
    return 1;
  }
}
