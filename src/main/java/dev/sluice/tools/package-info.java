/**
 * Small programs shipped in the jar beside the gateway, for tests and for trying Sluice locally (e.g.
 * {@link dev.sluice.tools.DeliveryReceiver}, a receiver of the synchronous gRPC fallback).
 */
package dev.sluice.tools;
