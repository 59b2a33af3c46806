package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.InFlight;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RequestBodyTest {

  private static Buffer chunk(int n, int fill) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) fill);
    return Buffer.buffer(b);
  }

  @Test
  void takesFromTheBudgetAboutWhatArrivedNotWhatWasAnnounced() {
    InFlight budget = new InFlight(1000, 1 << 20);
    RequestBody body = new RequestBody(budget, 4 << 20, 4 << 20);

    assertThat(body.append(chunk(10, 1))).isTrue();
    assertThat(budget.bytes()).as("after 10 bytes").isEqualTo(8 * 1024);
    for (int i = 0; i < 10; i++) {
      assertThat(body.append(chunk(8 * 1024, 2))).isTrue();
    }
    long received = 10 + 10 * 8 * 1024;
    assertThat(budget.bytes()).as("after %s bytes", received).isBetween(received, 2 * received);
    assertThat(body.size()).isEqualTo((int) received);
  }

  @Test
  void keepsTheBytesInOrderAndGrowsNoFurtherThanTheAnnouncedLength() {
    InFlight budget = new InFlight(1000, 1 << 20);
    RequestBody body = new RequestBody(budget, 20_000, 1 << 20);

    body.append(chunk(9000, 'a'));
    body.append(chunk(9000, 'b'));
    body.append(chunk(2000, 'c'));

    assertThat(body.size()).isEqualTo(20_000);
    assertThat(budget.bytes()).isEqualTo(20_000);
    byte[] bytes = body.bytes();
    assertThat(bytes[0]).isEqualTo((byte) 'a');
    assertThat(bytes[8999]).isEqualTo((byte) 'a');
    assertThat(bytes[9000]).isEqualTo((byte) 'b');
    assertThat(bytes[19_999]).isEqualTo((byte) 'c');
  }

  @Test
  void takesOnlyWhatIsNeededWhenDoublingDoesNotFitAndRefusesWhenNothingDoes() {
    InFlight budget = new InFlight(1000, 40_000);
    RequestBody body = new RequestBody(budget, -1, 1 << 20);

    assertThat(body.append(chunk(8192, 1))).isTrue();
    assertThat(body.append(chunk(8192, 1))).isTrue();
    assertThat(body.append(chunk(1000, 1))).isTrue();
    assertThat(budget.bytes()).as("doubled to 32 KiB").isEqualTo(32_768);
    assertThat(body.append(chunk(16_000, 1))).as("doubling to 64 KiB does not fit, 33384 bytes do").isTrue();
    assertThat(budget.bytes()).isEqualTo(33_384);
    assertThat(body.append(chunk(10_000, 1))).isFalse();
    assertThat(body.size()).isEqualTo(33_384);
    assertThat(budget.bytes()).isEqualTo(33_384);

    body.release();
    body.release();
    assertThat(budget.bytes()).isZero();
  }

  @Test
  void anEmptyBodyHoldsNothing() {
    InFlight budget = new InFlight(1000, 1 << 20);
    RequestBody body = new RequestBody(budget, -1, 1 << 20);

    assertThat(body.bytes()).isEmpty();
    assertThat(body.size()).isZero();
    assertThat(budget.bytes()).isZero();
  }
}
