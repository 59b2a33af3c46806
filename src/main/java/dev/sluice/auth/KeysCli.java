package dev.sluice.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * {@code java -jar sluice.jar keys new}: a fresh API key and the entry of the tenants file that admits it
 * (its id and SHA-256; the key itself is printed once and stored nowhere). {@code keys hash} reads a key
 * from standard input and prints its entry. Exits 0, or 2 on a usage error.
 */
public final class KeysCli {

  static final String USAGE = """
      usage: sluice keys new [--client NAME]     a new API key and its tenants-file entry
             sluice keys hash [--client NAME]    the entry of the key read from standard input
      The key is shown once: give it to the client (Authorization: Bearer <key> or X-API-Key: <key>);
      the tenants file (auth.tenants-file) stores only its id and SHA-256, under the client's keys
      (at most two per client: the current one and the next).""";

  private KeysCli() {}

  /** Runs the command {@code args} (what follows {@code keys}); returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, System.in, out, err);
  }

  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    String client = "my-client";
    if (args.length == 3 && args[1].equals("--client") && args[2].matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      client = args[2];
    } else if (args.length != 1) {
      err.println("sluice keys: " + (args.length == 0 ? "a command is required" : "unexpected arguments"));
      err.println(USAGE);
      return 2;
    }
    switch (args[0]) {
      case "new" -> {
        ApiKeys.NewKey k = ApiKeys.generate(new SecureRandom());
        out.println("api key: " + k.key());
        out.println();
        entry(out, client, k.id(), k.sha256());
        return 0;
      }
      case "hash" -> {
        String key;
        try {
          String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
          key = line == null ? "" : line.trim();
        } catch (IOException e) {
          err.println("sluice keys hash: cannot read standard input: " + e.getMessage());
          return 2;
        }
        String id = ApiKeys.idOf(key);
        if (id == null) {
          err.println("sluice keys hash: standard input is not an API key (sk_<12 hex>_<43 base64url characters>)");
          return 2;
        }
        entry(out, client, id, ApiKeys.sha256Hex(key));
        return 0;
      }
      default -> {
        err.println("sluice keys: unknown command '" + args[0] + "'");
        err.println(USAGE);
        return 2;
      }
    }
  }

  private static void entry(PrintStream out, String client, String id, String sha256) {
    out.println("# in the tenants file (auth.tenants-file), under a tenant's api-keys:");
    out.println("    api-keys:");
    out.println("      - client: " + client);
    out.println("        keys:");
    out.println("          - { id: " + id + ", sha256: \"" + sha256 + "\" }");
  }
}
