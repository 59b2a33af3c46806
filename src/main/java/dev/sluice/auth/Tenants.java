package dev.sluice.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tenants of the tenants file ({@code auth.tenants-file}) and the credentials that map to them: API
 * keys by id, client-certificate subjects (RFC 2253, as {@link javax.security.auth.x500.X500Principal#getName()}
 * prints them). Immutable; shared by every event loop.
 */
public final class Tenants {

  /**
   * An API key as the tenants file stores it.
   *
   * @param id the key's public id (12 lowercase hex characters)
   * @param sha256 the SHA-256 of the whole key string ({@code sk_<id>_<secret>}, UTF-8)
   * @param client the client the key belongs to
   * @param tenant the tenant it maps to
   */
  public record Key(String id, byte[] sha256, String client, Tenant tenant) {

    public Key {
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }
  }

  private final Map<String, Tenant> byName = new LinkedHashMap<>();
  private final Map<String, Key> keys = new LinkedHashMap<>();
  private final Map<String, byte[]> hashes = new LinkedHashMap<>();
  private final Map<String, Tenant> bySubject;

  /** The tenants (names unique), their keys (ids unique) and certificate subjects (each one tenant's). */
  public Tenants(List<Tenant> tenants, List<Key> keys, Map<String, Tenant> certificates) {
    for (Tenant t : tenants) {
      if (byName.put(t.name(), t) != null) {
        throw new IllegalArgumentException("two tenants are named " + t.name());
      }
    }
    for (Key k : keys) {
      if (this.keys.put(k.id(), k) != null) {
        throw new IllegalArgumentException("two API keys have the id " + k.id());
      }
      hashes.put(k.id(), k.sha256);
    }
    this.bySubject = Map.copyOf(certificates);
  }

  /** The tenant named {@code name}, or null. */
  public Tenant tenant(String name) {
    return byName.get(name);
  }

  /** Every tenant, in the file's order. */
  public List<Tenant> all() {
    return List.copyOf(byName.values());
  }

  /** The key with this id, or null. */
  public Key key(String id) {
    return keys.get(id);
  }

  /** The stored hash of the key with this id (not a copy: for the comparison only), or null. */
  byte[] hash(String id) {
    return hashes.get(id);
  }

  /** The tenant of a certificate subject (RFC 2253 form), or null. */
  public Tenant certificate(String subject) {
    return bySubject.get(subject);
  }
}
