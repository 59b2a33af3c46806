package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceparentTest {

  @Test
  void aChildKeepsTheTraceIdAndFlagsWithANewSpanId() {
    String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String child = Traceparent.child(parent);
    assertThat(child).matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01");
    assertThat(child.substring(36, 52)).isNotEqualTo("00f067aa0ba902b7");
  }

  @Test
  void noOrAnInvalidParentStartsATrace() {
    assertThat(Traceparent.child(null)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(Traceparent.child("garbage")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(Traceparent.child("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
        .doesNotContain("00000000000000000000000000000000");
  }
}
