/**
 * Who is calling: credentials (API keys, JWT bearer tokens, client certificates) mapped to tenants, and
 * what each tenant may publish.
 */
package dev.sluice.auth;
