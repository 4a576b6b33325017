import Synchronization
import TallyCore
import TallyPostgres
import TallyStoreConformance
import TallyTestSupport
import Testing

/// The shared store contract, run against PostgreSQL: each case gets fresh databases on one
/// throwaway server, and every store it made is stopped, and its database dropped, afterwards,
/// pass or fail.
@Suite(.enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct PostgresConformanceTests {
    @Test(arguments: LedgerStoreConformance.cases)
    func conformance(_ behaviour: LedgerStoreConformance.Case) async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let databases = MadeDatabases()
        do {
            try await ServiceScope.with { scope in
                try await behaviour.run(
                    .init { clock in
                        let url = try await server.makeDatabase()
                        databases.urls.withLock { $0.append(url) }
                        let store = scope.start(
                            try PostgresLedgerStore(
                                url: url, poolSize: 8, clock: clock, logger: PostgresServer.storeLogger,
                                connectionWait: PostgresServer.connectionWait))
                        try await store.migrate()
                        return store
                    })
            }
        } catch {
            await databases.drop(on: server)
            throw error
        }
        await databases.drop(on: server)
    }
}

/// The databases one case made, so they can all be dropped once its stores have stopped.
final class MadeDatabases: Sendable {
    let urls = Mutex<[String]>([])

    func drop(on server: PostgresServer) async {
        for url in urls.withLock({ $0 }) { await server.dropDatabase(url) }
    }
}
