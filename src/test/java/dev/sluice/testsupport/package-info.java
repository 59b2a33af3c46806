/**
 * What integration tests share: the Kafka broker of the test JVM ({@link
 * dev.sluice.testsupport.KafkaBroker}), a private broker to stop and start ({@link
 * dev.sluice.testsupport.LocalKafka}), the gateway in-process ({@link
 * dev.sluice.testsupport.TestGateway}) or as the real jar ({@link
 * dev.sluice.testsupport.GatewayProcess}); the RabbitMQ broker of the test JVM ({@link
 * dev.sluice.testsupport.RabbitBroker}, {@link dev.sluice.testsupport.RabbitOps}) and a private node
 * to restart or cut off ({@link dev.sluice.testsupport.LocalRabbit}).
 */
package dev.sluice.testsupport;
