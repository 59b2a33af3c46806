package dev.sluice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SinkServerOptionsTest {

  @Test
  void defaultsToANoOpSinkOnLoopbackPort9292() {
    assertThat(SinkServerOptions.parse())
        .isEqualTo(new SinkServerOptions("127.0.0.1", 9292, 0, 0, null, null, false, null, 1))
        .isEqualTo(SinkServerOptions.defaults());
  }

  @Test
  void readsEveryOption() {
    assertThat(SinkServerOptions.parse("--host", "0.0.0.0", "--port", "0", "--fail-rate", "0.05",
        "--timeout-rate", "0.05", "--poison-field", "poison", "--retry-after", "2", "--record",
        "--sequence-field", "seq", "--instances", "2"))
        .isEqualTo(new SinkServerOptions("0.0.0.0", 0, 0.05, 0.05, "poison", 2, true, "seq", 2))
        .isEqualTo(SinkServerOptions.defaults().host("0.0.0.0").port(0).failRate(0.05).timeoutRate(0.05)
            .poisonField("poison").retryAfterSeconds(2).record(true).sequenceField("seq").instances(2));
  }

  @Test
  void saysWhatIsWrong() {
    assertThatThrownBy(() -> SinkServerOptions.parse("--port", "x")).hasMessageContaining("--port takes a whole number");
    assertThatThrownBy(() -> SinkServerOptions.parse("--port", "70000")).hasMessageContaining("--port must be");
    assertThatThrownBy(() -> SinkServerOptions.parse("--fail-rate", "1.5")).hasMessageContaining("within 0..1");
    assertThatThrownBy(() -> SinkServerOptions.parse("--fail-rate", "0.6", "--timeout-rate", "0.6"))
        .hasMessageContaining("add up to at most 1");
    assertThatThrownBy(() -> SinkServerOptions.parse("--fail-rate", "often")).hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> SinkServerOptions.parse("--retry-after", "-1")).hasMessageContaining("--retry-after");
    assertThatThrownBy(() -> SinkServerOptions.parse("--instances", "0")).hasMessageContaining("--instances");
    assertThatThrownBy(() -> SinkServerOptions.parse("--verbose", "1")).hasMessageContaining("--verbose");
    assertThatThrownBy(() -> SinkServerOptions.parse("--port")).hasMessageContaining("--port");
    assertThatThrownBy(() -> SinkServerOptions.parse("--help")).hasMessage("help");
  }
}
