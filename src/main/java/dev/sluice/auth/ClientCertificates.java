package dev.sluice.auth;

import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/** Client certificates (mTLS): the verified peer certificate's subject, mapped to a tenant. */
final class ClientCertificates {

  private ClientCertificates() {}

  /** The subject (RFC 2253) of the connection's verified client certificate, or null when it has none. */
  static String subject(HttpConnection connection) {
    if (connection == null || !connection.isSsl()) {
      return null;
    }
    try {
      return subject(connection.peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** The subject (RFC 2253) of the first certificate of a chain, or null. */
  static String subject(List<Certificate> chain) {
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return null;
    }
    return leaf.getSubjectX500Principal().getName(X500Principal.RFC2253);
  }

  /** The caller of a certificate subject: its tenant's, or SLC-1402 when no tenant lists it. */
  static Caller caller(Tenants tenants, String subject) {
    Tenant tenant = tenants.certificate(subject);
    if (tenant == null) {
      throw Refusals.invalid("the client certificate is not mapped to a tenant");
    }
    return new Caller(tenant, subject, Caller.Method.CERTIFICATE);
  }
}
