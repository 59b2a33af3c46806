package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemasCliTest {

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return SchemasCli.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void exitsZeroWhenConsecutiveVersionsAreCompatible() {
    SchemaDirs.write(dir, "order.created/1.json", SchemaSetTest.ORDER_V1);
    SchemaDirs.write(dir, "order.created/2.json", SchemaSetTest.ORDER_V1.replace("\"USD\"]", "\"USD\", \"GBP\"]"));

    assertThat(run("check", "--dir", dir.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("order.created: versions 1, 2")
        .contains("2 schema(s) of 1 event type(s) in " + dir + ", compatibility backward: compatible");
  }

  @Test
  void exitsOneWithEachFindingWhenAPairIsIncompatible() {
    SchemaDirs.write(dir, "order.created/1.json", SchemaSetTest.ORDER_V1);
    SchemaDirs.write(dir, "order.created/2.json", SchemaSetTest.ORDER_V1.replace("\"USD\"]", "\"GBP\"]"));

    assertThat(run("check", "--dir", dir.toString())).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("order.created v1 -> v2: rule 'enum-value-removed' at /properties/currency ([\"USD\"] allowed in v1, not in v2)")
        .contains("1 incompatibility");
    out.reset();
    assertThat(run("check", "--dir", dir.toString(), "--compatibility", "none")).isZero();
    assertThat(run("check", "--dir", dir.toString(), "--compatibility", "forward")).isEqualTo(1); // GBP is new
  }

  @Test
  void exitsOneNamingAFileThatIsNotASchema() {
    Path bad = SchemaDirs.write(dir, "order.created/1.json", "{\"required\": \"a\"}");
    assertThat(run("check", "--dir", dir.toString())).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(bad.toString()).contains("draft 2020-12");
  }

  @Test
  void exitsTwoOnUsageErrors() {
    assertThat(run()).isEqualTo(2);
    assertThat(run("verify")).isEqualTo(2);
    assertThat(run("check", "--dir")).isEqualTo(2);
    assertThat(run("check", "--bogus", "x")).isEqualTo(2);
    assertThat(run("check", "--dir", dir.toString(), "--compatibility", "sideways")).isEqualTo(2);
    assertThat(run("check", "--dir", dir.resolve("absent").toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: sluice schemas check")
        .contains("must be backward, forward, full or none, got 'sideways'").contains("is not a directory");
  }
}
