package dev.sluice.rabbit;

import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust options that also check the broker's host name. The RabbitMQ client makes its own sockets from
 * the SSLContext the Vert.x client builds, so Vert.x's {@code hostnameVerificationAlgorithm} (applied to
 * SSLEngines only) never reaches them, and {@code ConnectionFactory.enableHostnameVerification()} is out
 * of reach behind the Vert.x client. The trust manager therefore asks for the JDK's {@code HTTPS}
 * endpoint identification on the connection being checked before the JDK's own check runs: the JDK
 * then matches the certificate's subject alternative names against the host the client connected to.
 */
final class HostnameCheck implements TrustOptions {

  private final TrustOptions base;
  private TrustOptions wrapped;

  /** @param base the CAs to trust; null = the JVM's default trust store */
  HostnameCheck(TrustOptions base) {
    this.base = base;
  }

  @Override
  public TrustOptions copy() {
    return new HostnameCheck(base == null ? null : base.copy());
  }

  @Override
  public TrustManagerFactory getTrustManagerFactory(Vertx vertx) throws Exception {
    return wrapped(vertx).getTrustManagerFactory(vertx);
  }

  @Override
  public Function<String, TrustManager[]> trustManagerMapper(Vertx vertx) throws Exception {
    return wrapped(vertx).trustManagerMapper(vertx);
  }

  private synchronized TrustOptions wrapped(Vertx vertx) throws Exception {
    if (wrapped == null) {
      TrustManagerFactory factory;
      if (base == null) {
        factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
      } else {
        factory = base.getTrustManagerFactory(vertx);
      }
      X509ExtendedTrustManager x509 = null;
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager m) {
          x509 = m;
          break;
        }
      }
      if (x509 == null) {
        throw new IllegalStateException("no X.509 trust manager to check the broker's certificate with");
      }
      wrapped = TrustOptions.wrap(new Verifying(x509));
    }
    return wrapped;
  }

  /** Delegates, with {@code HTTPS} endpoint identification asked for on the connection first. */
  static final class Verifying extends X509ExtendedTrustManager {
    static final String ALGORITHM = "HTTPS";
    private final X509ExtendedTrustManager delegate;

    Verifying(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      if (!(socket instanceof SSLSocket ssl)) {
        throw new CertificateException("cannot check the broker's host name without its TLS socket");
      }
      SSLParameters params = ssl.getSSLParameters();
      if (!ALGORITHM.equals(params.getEndpointIdentificationAlgorithm())) {
        params.setEndpointIdentificationAlgorithm(ALGORITHM);
        ssl.setSSLParameters(params);
      }
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      if (engine == null) {
        throw new CertificateException("cannot check the broker's host name without its TLS engine");
      }
      SSLParameters params = engine.getSSLParameters();
      if (!ALGORITHM.equals(params.getEndpointIdentificationAlgorithm())) {
        params.setEndpointIdentificationAlgorithm(ALGORITHM);
        engine.setSSLParameters(params);
      }
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("cannot check the broker's host name without its connection");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }
}
