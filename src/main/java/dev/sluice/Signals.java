package dev.sluice;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action on SIGTERM and SIGINT instead of letting the JVM exit with 143, so that a graceful
 * shutdown can finish and choose the exit code. Uses {@code sun.misc.Signal} (module jdk.unsupported)
 * reflectively; where it is missing, a shutdown hook runs the action instead.
 */
final class Signals {

  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  static void onTermination(Runnable action) {
    Runnable once = once(action);
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      InvocationHandler ih =
          (proxy, method, args) -> {
            if (method.getName().equals("handle")) {
              LOG.info("Received {}: shutting down", args[0]);
              Thread t = new Thread(once, "sluice-shutdown");
              t.start();
              return null;
            }
            return switch (method.getName()) {
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              default -> "SluiceSignalHandler";
            };
          };
      Object handler =
          Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerType}, ih);
      var handle = signal.getMethod("handle", signal, handlerType);
      for (String name : new String[] {"TERM", "INT"}) {
        handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("Signal handling unavailable ({}); using a shutdown hook", e.toString());
      Runtime.getRuntime().addShutdownHook(new Thread(once, "sluice-shutdown"));
    }
  }

  private static Runnable once(Runnable action) {
    boolean[] ran = {false};
    return () -> {
      synchronized (ran) {
        if (ran[0]) {
          return;
        }
        ran[0] = true;
      }
      action.run();
    };
  }
}
