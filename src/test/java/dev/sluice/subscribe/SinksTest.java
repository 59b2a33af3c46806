package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SubscriptionsConfig.SinkConfig;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SinksTest {

  @Test
  void makesTheSinkTheConfigurationNames(Vertx vertx) {
    Sink http = Sinks.create(vertx, new SinkConfig(URI.create("https://orders.example:8443/in"), null, null), 4);
    Sink grpc = Sinks.create(vertx, new SinkConfig(null, URI.create("grpcs://orders.example:9191"), null), 4);
    Sink bus = Sinks.create(vertx, new SinkConfig(null, null, "orders.handler"), 4);

    assertThat(http).isInstanceOf(HttpSink.class);
    assertThat(http.describe()).isEqualTo("https://orders.example:8443/in");
    assertThat(grpc).isInstanceOf(GrpcSink.class);
    assertThat(grpc.describe()).isEqualTo("grpc:orders.example:9191");
    assertThat(bus).isInstanceOf(BusSink.class);
    assertThat(bus.describe()).isEqualTo("bus:orders.handler");
    http.close().await();
    grpc.close().await();
    bus.close().await();
  }
}
