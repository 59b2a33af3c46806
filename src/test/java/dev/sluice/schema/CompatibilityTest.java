package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SchemasConfig.Compatibility;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import java.time.Duration;

/** Each rule: a pair that breaks it (found at its path) and a pair that keeps it (no finding). */
class CompatibilityTest {

  @TempDir Path dir;

  private List<String> findings(String v1, String v2, Compatibility mode) {
    SchemaDirs.write(dir, "order.created/1.json", SchemaDirs.object(v1));
    SchemaDirs.write(dir, "order.created/2.json", SchemaDirs.object(v2));
    return dev.sluice.schema.Compatibility.check(SchemaFiles.read(dir), mode);
  }

  static String props(String a) {
    return "\"properties\": {\"a\": " + a + ", \"b\": {\"type\": \"string\"}}";
  }

  static List<Arguments> rules() {
    return List.of(
        // rule, path, v1, incompatible v2, compatible v2
        Arguments.of("required-added", "/properties/b", props("{}") + ", \"required\": [\"a\"]",
            props("{}") + ", \"required\": [\"a\", \"b\"]", props("{}")),
        Arguments.of("type-narrowed", "/properties/a", props("{\"type\": [\"string\", \"null\"]}"),
            props("{\"type\": \"string\"}"), props("{\"type\": [\"string\", \"null\", \"number\"]}")),
        Arguments.of("type-narrowed", "/properties/a", props("{\"type\": \"number\"}"),
            props("{\"type\": \"integer\"}"), props("{\"type\": [\"number\", \"string\"]}")),
        Arguments.of("type-changed", "/properties/a", props("{\"type\": \"string\"}"),
            props("{\"type\": \"integer\"}"), props("{}")),
        Arguments.of("enum-value-removed", "/properties/a", props("{\"enum\": [\"A\", \"B\"]}"),
            props("{\"enum\": [\"A\"]}"), props("{\"enum\": [\"A\", \"B\", \"C\"]}")),
        Arguments.of("enum-added", "/properties/a", props("{\"type\": \"string\"}"),
            props("{\"type\": \"string\", \"const\": \"A\"}"), props("{\"type\": \"string\"}")),
        Arguments.of("additional-properties-closed", "/additionalProperties", props("{}"),
            props("{}") + ", \"additionalProperties\": false", props("{}") + ", \"additionalProperties\": true"),
        Arguments.of("property-removed", "/properties/b", props("{}") + ", \"additionalProperties\": false",
            "\"properties\": {\"a\": {}}, \"additionalProperties\": false", "\"properties\": {\"a\": {}}"),
        Arguments.of("min-length-raised", "/properties/a/minLength", props("{\"minLength\": 1}"),
            props("{\"minLength\": 3}"), props("{\"minLength\": 0}")),
        Arguments.of("max-length-lowered", "/properties/a/maxLength", props("{\"maxLength\": 10}"),
            props("{\"maxLength\": 5}"), props("{}")),
        Arguments.of("minimum-raised", "/properties/a/minimum", props("{}"),
            props("{\"minimum\": 0}"), props("{}")),
        Arguments.of("maximum-lowered", "/properties/a/maximum", props("{\"maximum\": 100}"),
            props("{\"maximum\": 99.5}"), props("{\"maximum\": 1000}")),
        Arguments.of("exclusive-minimum-raised", "/properties/a/exclusiveMinimum", props("{\"exclusiveMinimum\": 0}"),
            props("{\"exclusiveMinimum\": 1}"), props("{\"exclusiveMinimum\": -1}")),
        Arguments.of("exclusive-maximum-lowered", "/properties/a/exclusiveMaximum", props("{\"exclusiveMaximum\": 9}"),
            props("{\"exclusiveMaximum\": 8}"), props("{\"exclusiveMaximum\": 9}")),
        Arguments.of("min-items-raised", "/properties/a/minItems", props("{\"type\": \"array\"}"),
            props("{\"type\": \"array\", \"minItems\": 1}"), props("{\"type\": \"array\", \"minItems\": 0}")),
        Arguments.of("max-items-lowered", "/properties/a/maxItems", props("{\"maxItems\": 3}"),
            props("{\"maxItems\": 2}"), props("{\"maxItems\": 4}")),
        Arguments.of("min-properties-raised", "/minProperties", props("{}"),
            props("{}") + ", \"minProperties\": 1", props("{}")),
        Arguments.of("max-properties-lowered", "/maxProperties", props("{}") + ", \"maxProperties\": 5",
            props("{}") + ", \"maxProperties\": 4", props("{}") + ", \"maxProperties\": 6"),
        Arguments.of("multiple-of-changed", "/properties/a/multipleOf", props("{\"multipleOf\": 2}"),
            props("{\"multipleOf\": 4}"), props("{\"multipleOf\": 1}")),
        Arguments.of("unique-items-added", "/properties/a/uniqueItems", props("{\"type\": \"array\"}"),
            props("{\"type\": \"array\", \"uniqueItems\": true}"), props("{\"type\": \"array\", \"uniqueItems\": false}")),
        Arguments.of("pattern-changed", "/properties/a/pattern", props("{\"pattern\": \"^[a-z]+$\"}"),
            props("{\"pattern\": \"^[a-z]{2,}$\"}"), props("{}")),
        Arguments.of("format-changed", "/properties/a/format", props("{\"type\": \"string\"}"),
            props("{\"type\": \"string\", \"format\": \"email\"}"), props("{\"type\": \"string\"}")),
        Arguments.of("unsupported-change", "/properties/a/oneOf", props("{\"oneOf\": [{\"type\": \"string\"}]}"),
            props("{\"oneOf\": [{\"type\": \"integer\"}]}"), props("{\"oneOf\": [{\"type\": \"string\"}]}")),
        // rules apply inside items and through $ref
        Arguments.of("type-changed", "/properties/a/items", props("{\"type\": \"array\", \"items\": {\"type\": \"string\"}}"),
            props("{\"type\": \"array\", \"items\": {\"type\": \"boolean\"}}"), props("{\"type\": \"array\"}")),
        Arguments.of("required-added", "/properties/a/properties/sku",
            props("{\"$ref\": \"#/$defs/line\"}") + ", \"$defs\": {\"line\": {\"type\": \"object\"}}",
            props("{\"$ref\": \"#/$defs/line\"}") + ", \"$defs\": {\"line\": {\"required\": [\"sku\"]}}",
            props("{\"$ref\": \"#/$defs/line\"}") + ", \"$defs\": {\"line\": {\"type\": \"object\"}}"));
  }

  @ParameterizedTest(name = "{0} at {1}")
  @MethodSource("rules")
  void eachRuleFindsItsBreakAndLetsACompatibleChangeThrough(
      String rule, String path, String v1, String incompatible, String compatible) {
    assertThat(findings(v1, incompatible, Compatibility.BACKWARD))
        .anySatisfy(f -> assertThat(f).startsWith("order.created v1 -> v2: rule '" + rule + "' at " + path + " ("));
    assertThat(findings(v1, compatible, Compatibility.BACKWARD)).isEmpty();
  }

  @Test
  void aPropertyAddedToAnOpenObjectIsCompatible() {
    assertThat(findings(props("{}"), props("{}").replace("}}", "}, \"c\": {\"type\": \"integer\"}}"),
        Compatibility.BACKWARD)).isEmpty();
  }

  @Test
  void forwardNamesTheReverseChangeAndFullFindsBoth() {
    String v1 = props("{\"maxLength\": 10}") + ", \"required\": [\"a\", \"b\"]";
    String v2 = props("{\"maxLength\": 20}") + ", \"required\": [\"a\"]";

    assertThat(findings(v1, v2, Compatibility.BACKWARD)).isEmpty();
    assertThat(findings(v1, v2, Compatibility.FORWARD)).containsExactly(
        "order.created v1 -> v2: rule 'required-removed' at /properties/b ('b' is required in v1, not in v2)",
        "order.created v1 -> v2: rule 'max-length-raised' at /properties/a/maxLength (maxLength 10 in v1, 20 in v2)");
    assertThat(findings(v2, v1, Compatibility.FULL)).containsExactly(
        "order.created v1 -> v2: rule 'required-added' at /properties/b ('b' is required in v2, not in v1)",
        "order.created v1 -> v2: rule 'max-length-lowered' at /properties/a/maxLength (maxLength 10 in v2, 20 in v1)");
    assertThat(findings(v1, v2, Compatibility.NONE)).isEmpty();
  }

  @Test
  void onlyConsecutiveVersionsInNumericOrderAreCompared() {
    SchemaDirs.write(dir, "order.created/1.json", SchemaDirs.object(props("{}")));
    SchemaDirs.write(dir, "order.created/2.json", SchemaDirs.object(props("{}") + ", \"required\": [\"a\"]"));
    SchemaDirs.write(dir, "order.created/10.json", SchemaDirs.object(props("{}") + ", \"required\": [\"a\", \"b\"]"));

    assertThat(dev.sluice.schema.Compatibility.check(SchemaFiles.read(dir), Compatibility.BACKWARD)).containsExactly(
        "order.created v1 -> v2: rule 'required-added' at /properties/a ('a' is required in v2, not in v1)",
        "order.created v2 -> v10: rule 'required-added' at /properties/b ('b' is required in v10, not in v2)");
  }

  /** A binary tree: both children refer to the node itself (each pair of places is compared once). */
  static String tree(String nodeExtra) {
    return "\"properties\": {\"root\": {\"$ref\": \"#/$defs/node\"}}, \"$defs\": {\"node\": {\"type\": \"object\","
        + nodeExtra + " \"properties\": {\"value\": {\"type\": \"integer\"}, \"left\": {\"$ref\": \"#/$defs/node\"},"
        + " \"right\": {\"$ref\": \"#/$defs/node\"}, \"kids\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}}}}}";
  }

  @Test
  void aRecursiveSchemaReferencedTwiceIsComparedOnceAPlace() {
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      assertThat(findings(tree(""), tree(""), Compatibility.FULL)).isEmpty();
      assertThat(findings(tree(""), tree(" \"required\": [\"value\"],"), Compatibility.BACKWARD)).containsExactly(
          "order.created v1 -> v2: rule 'required-added' at /properties/root/properties/value"
              + " ('value' is required in v2, not in v1)");
    });
  }

  @Test
  void aRecursiveSchemaAgainstAnEmptyOneIsComparedOnceAPlace() {
    // v1 says nothing of root; v2's node recurses through both items and additionalProperties
    String v2 = "\"properties\": {\"root\": {\"$ref\": \"#/$defs/node\"}}, \"$defs\": {\"node\": {"
        + "\"additionalProperties\": {\"$ref\": \"#/$defs/node\"}, \"items\": {\"$ref\": \"#/$defs/node\"},"
        + " \"maxItems\": 9}}";
    assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
        assertThat(findings("\"properties\": {\"root\": {}}", v2, Compatibility.BACKWARD)).containsExactly(
            // root's {} against the node, then the empty schema (what v1 allows below root) against it
            "order.created v1 -> v2: rule 'max-items-lowered' at /properties/root/additionalProperties/maxItems"
                + " (maxItems 9 in v2, none in v1)",
            "order.created v1 -> v2: rule 'max-items-lowered' at /properties/root/maxItems (maxItems 9 in v2, none in v1)"));
  }
}
