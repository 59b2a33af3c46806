package dev.sluice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReceiverOptionsTest {

  @Test
  void defaultsToOkOnLoopbackPort9191AndStandardOutput() {
    assertThat(ReceiverOptions.parse())
        .isEqualTo(new ReceiverOptions("127.0.0.1", 9191, 0, ReceiverOptions.Fail.NONE, null, null, null));
  }

  @Test
  void readsEveryOption() {
    assertThat(ReceiverOptions.parse("--host", "0.0.0.0", "--port", "0", "--delay-ms", "250", "--fail", "REJECT",
        "--out", "r.jsonl", "--tls-cert", "c.pem", "--tls-key", "k.pem"))
        .isEqualTo(new ReceiverOptions("0.0.0.0", 0, 250, ReceiverOptions.Fail.REJECT, Path.of("r.jsonl"),
            Path.of("c.pem"), Path.of("k.pem")));
    assertThat(ReceiverOptions.parse("--fail", "retry").fail()).isEqualTo(ReceiverOptions.Fail.RETRY);
    assertThat(ReceiverOptions.parse("--fail", "unavailable").fail()).isEqualTo(ReceiverOptions.Fail.UNAVAILABLE);
  }

  @Test
  void saysWhatIsWrong() {
    assertThatThrownBy(() -> ReceiverOptions.parse("--port", "x")).hasMessageContaining("--port takes a number");
    assertThatThrownBy(() -> ReceiverOptions.parse("--port", "70000")).hasMessageContaining("--port must be");
    assertThatThrownBy(() -> ReceiverOptions.parse("--delay-ms", "-1")).hasMessageContaining("--delay-ms");
    assertThatThrownBy(() -> ReceiverOptions.parse("--fail", "sometimes"))
        .hasMessageContaining("retry, reject or unavailable");
    assertThatThrownBy(() -> ReceiverOptions.parse("--tls-cert", "c.pem")).hasMessageContaining("go together");
    assertThatThrownBy(() -> ReceiverOptions.parse("--verbose")).hasMessageContaining("--verbose");
    assertThatThrownBy(() -> ReceiverOptions.parse("--port", "1", "extra")).hasMessageContaining("extra");
  }
}
