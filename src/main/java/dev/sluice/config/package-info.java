/**
 * Configuration: {@code conf/sluice.yaml} defaults, an override file, environment overrides, parsed once
 * at start into immutable, validated records (one per part).
 */
package dev.sluice.config;
