package dev.sluice.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code curl} binary, as a user would run it: {@code curl -sS --max-time 10 -w
 * "\n%{http_code}" ARGS}.
 *
 * @param exit curl's exit code (0: an answer came; 35, 56, 60 ...: TLS or connection failures)
 * @param out what it printed: the body, then the status on the last line (or its error)
 */
public record Curl(int exit, String out) {

  public static Curl run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("curl did not end: " + cmd);
    }
    return new Curl(p.exitValue(), out);
  }

  /** The HTTP status curl printed last (000 when nothing was answered). */
  public String status() {
    return out.substring(out.lastIndexOf('\n') + 1);
  }
}
