package dev.sluice.ingest;

import dev.sluice.auth.AuthException;
import dev.sluice.auth.Caller;
import dev.sluice.bus.Failure;
import io.vertx.core.Future;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every ingest edge does with its authenticator's answer: go on with the caller, or refuse. A
 * request whose answer is not known yet (a JWKS refresh) is paused until it is, so that none of its body
 * is lost. A failure that is not an {@link AuthException} (a bug) is logged and refused as SLC-5999.
 */
final class Authenticated {

  private static final Logger LOG = LoggerFactory.getLogger(Authenticated.class);

  private Authenticated() {}

  static void then(Future<Caller> who, Runnable pause, Runnable resume, Consumer<Caller> go,
      Consumer<AuthException> refuse) {
    if (who.isComplete()) {
      settle(who, go, refuse);
      return;
    }
    pause.run();
    who.onComplete(ar -> {
      settle(who, go, refuse);
      resume.run();
    });
  }

  private static void settle(Future<Caller> who, Consumer<Caller> go, Consumer<AuthException> refuse) {
    if (who.succeeded()) {
      go.accept(who.result());
    } else if (who.cause() instanceof AuthException e) {
      refuse.accept(e);
    } else {
      LOG.error("Authentication failed unexpectedly", who.cause());
      refuse.accept(new AuthException(Failure.INTERNAL_ERROR, "internal error", null));
    }
  }
}
