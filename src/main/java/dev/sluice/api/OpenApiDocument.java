package dev.sluice.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI document of the HTTP API, read from the classpath once (as YAML, and converted to JSON)
 * and served as it is by {@link #mount(Router)}.
 */
public final class OpenApiDocument {

  /** Where the document is on the classpath. */
  public static final String RESOURCE = "openapi/sluice.yaml";

  public static final String YAML_PATH = "/openapi.yaml";
  public static final String JSON_PATH = "/openapi.json";

  /** RFC 9512. */
  static final String YAML_TYPE = "application/yaml";

  private static final class Holder {
    static final Buffer YAML;
    static final Buffer JSON;

    static {
      byte[] yaml = read();
      YAML = Buffer.buffer(yaml);
      try {
        JSON = Buffer.buffer(new ObjectMapper().writeValueAsBytes(new ObjectMapper(new YAMLFactory()).readTree(yaml)));
      } catch (IOException e) {
        throw new UncheckedIOException("the OpenAPI document " + RESOURCE + " is not valid YAML", e);
      }
    }
  }

  private OpenApiDocument() {}

  /** Adds {@code GET /openapi.yaml} and {@code GET /openapi.json} to {@code router}. */
  public static void mount(Router router) {
    Buffer yaml = Holder.YAML;
    Buffer json = Holder.JSON;
    router.get(YAML_PATH).handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, YAML_TYPE).end(yaml));
    router.get(JSON_PATH).handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json));
  }

  /** Whether {@code path} is one of the document's paths (they take GET only). */
  public static boolean isDocumentPath(String path) {
    return YAML_PATH.equals(path) || JSON_PATH.equals(path);
  }

  private static byte[] read() {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is not on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OpenAPI document " + RESOURCE, e);
    }
  }
}
