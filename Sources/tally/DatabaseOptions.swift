import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TallyCore
import TallyMetrics
import TallyPostgres
import TallySQLite

/// `--database URL`, shared by every command. Defaults to `TALLY_DATABASE`, then to
/// `sqlite:./tally.sqlite`; a bare path means SQLite, and `postgres://` or `postgresql://` means
/// PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Database URL: sqlite:PATH, a bare path, or postgres://user:pass@host:port/db. Default: $TALLY_DATABASE or sqlite:./tally.sqlite."
    )
    var database: String?

    @Option(name: .long, help: "SQLite durability: full (every acknowledged commit survives power loss) or normal.")
    var durability: String = "full"

    @Option(
        name: .long,
        help: "PostgreSQL only: most connections this process opens (1 to \(PostgresLedgerStore.poolSizeMax)).")
    var poolSize: Int = 10

    func validate() throws {
        guard SQLiteDurability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be full or normal.")
        }
        guard (1...PostgresLedgerStore.poolSizeMax).contains(poolSize) else {
            throw ValidationError("--pool-size must be 1 to \(PostgresLedgerStore.poolSizeMax).")
        }
    }

    /// The database location after defaults. Private: it may hold a password, so nothing may
    /// print it; `displayURL` is the form to show.
    private var resolvedURL: String {
        database ?? ProcessInfo.processInfo.environment["TALLY_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "sqlite:./tally.sqlite"
    }

    /// The database location as it may be printed or logged: a PostgreSQL password is masked.
    var displayURL: String {
        let url = resolvedURL
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else { return url }
        return (try? PostgresURL(url).redacted) ?? "postgres://(unparsable URL)"
    }

    /// Opens the store this URL names. This is the one place the backend is chosen. The store
    /// works only while its service runs: `tally serve` registers it with the application, and
    /// every other command uses `withStore`. The store records into `metrics` (`tally serve`'s).
    func openStore(
        logger: Logger, metrics: TallyMetrics = .disabled, readURLs: [String] = [],
        replicaLagMax: Duration = .seconds(1)
    ) throws -> any LedgerStore & Service {
        let url = resolvedURL
        guard let level = SQLiteDurability(rawValue: durability) else {
            throw TallyError.validation("--durability must be full or normal.")
        }
        guard let path = try sqlitePath() else {
            // Connections open, and the schema is migrated, on the first operation.
            return try PostgresLedgerStore(
                url: url, poolSize: poolSize, logger: logger, metrics: metrics, readURLs: readURLs,
                replicaLagMax: replicaLagMax)
        }
        guard readURLs.isEmpty else {
            throw TallyError.validation("--read-database needs a PostgreSQL --database.")
        }
        return try SQLiteLedgerStore(
            path: path, durability: level, logger: logger, metrics: metrics,
            followerCrashWindow: FollowerCrashWindow.fromEnvironment(ProcessInfo.processInfo.environment))
    }

    /// The SQLite file the URL names, or nil when it names a PostgreSQL database (for a command
    /// that works on the file itself, such as `tally backup`).
    func sqlitePath() throws -> String? {
        let url = resolvedURL
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return nil }
        var path = url
        if path.hasPrefix("sqlite://") {
            path.removeFirst("sqlite://".count)
        } else if path.hasPrefix("sqlite:") {
            path.removeFirst("sqlite:".count)
        }
        guard !path.isEmpty else { throw TallyError.validation("The database URL names no file.") }
        return path
    }
}

extension DatabaseOptions {
    /// Opens the store and runs its service while `body` uses it, then shuts it down gracefully:
    /// every write is committed and every connection closed before the command goes on, whether
    /// `body` returned or threw.
    func withStore<T>(logger: Logger, _ body: (any LedgerStore) async throws -> T) async throws -> T {
        let store = try openStore(logger: logger)
        let services = ServiceGroup(services: [store], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { try await services.run() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(store))
            } catch {
                result = .failure(error)
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }
}
