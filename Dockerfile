# syntax=docker/dockerfile:1
# Sluice gateway image: build with the Maven Wrapper on a JDK, run on a JRE as a non-root user.
#   docker build -t sluice .
#   docker run -p 8080:8080 -p 9090:9090 -e SLUICE_KAFKA_BOOTSTRAP_SERVERS=kafka:9092 sluice

FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -q -DskipTests package && cp target/sluice-*-app.jar /sluice.jar

FROM eclipse-temurin:21-jre
RUN groupadd --system sluice && useradd --system --gid sluice --home-dir /opt/sluice --shell /usr/sbin/nologin sluice
WORKDIR /opt/sluice
COPY --from=build /sluice.jar /opt/sluice/sluice.jar
USER sluice
EXPOSE 8080 9090
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# ready = Kafka reachable and not draining; bash's /dev/tcp avoids needing curl in the image
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# exec form: the JVM is PID 1 and receives SIGTERM itself (graceful drain, exit 0)
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/sluice/sluice.jar \"$@\"", "sluice"]
