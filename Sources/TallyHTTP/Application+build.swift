import Hummingbird
import HummingbirdCore
import Logging
import TallyCore

/// Builds the Tally HTTP application on `store`. The storage backend is chosen by the caller,
/// once; everything else is decided here.
///
/// - Parameter onServerRunning: called with the bound port once the server listens.
public func buildApplication(
    store: any LedgerStore, configuration: ServerConfiguration, logger: Logger, clock: TallyClock = .system,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(
        store: store, limits: configuration.limits,
        rateLimiter: configuration.rateLimitPerMinute.map { RateLimiter(limit: $0, clock: clock) })
    let pruner = IdempotencyPruner(
        store: store, retentionSeconds: configuration.idempotencyRetentionSeconds, intervalSeconds: 60, clock: clock,
        logger: logger)
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .seconds(configuration.idleTimeoutSeconds),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: configuration.headerBytesMax, maxHeaderListSize: configuration.headersBytesMax,
            maxHeaderFieldCount: configuration.headerCountMax))
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "Tally"),
        services: [pruner],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
