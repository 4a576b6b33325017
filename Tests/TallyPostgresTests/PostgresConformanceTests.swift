import Synchronization
import TallyCore
import TallyPostgres
import TallyStoreConformance
import TallyTestSupport
import Testing

/// The shared store contract, run against PostgreSQL: each case gets fresh databases on one
/// throwaway server, and every store it made is shut down afterwards, pass or fail.
@Suite(.enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct PostgresConformanceTests {
    @Test(arguments: LedgerStoreConformance.cases)
    func conformance(_ behaviour: LedgerStoreConformance.Case) async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let made = MadeStores()
        do {
            try await behaviour.run {
                let url = try await server.makeDatabase()
                let store = try PostgresLedgerStore(url: url, poolSize: 8, logger: PostgresServer.storeLogger)
                made.stores.withLock { $0.append((store, url)) }
                try await store.migrate()
                return store
            }
        } catch {
            await Self.close(made.stores.withLock { $0 }, on: server)
            throw error
        }
        await Self.close(made.stores.withLock { $0 }, on: server)
    }

    static func close(_ stores: [(store: PostgresLedgerStore, url: String)], on server: PostgresServer) async {
        for (store, url) in stores {
            await store.shutdown()
            await server.dropDatabase(url)
        }
    }
}

/// The stores one case made, so they can all be closed afterwards.
final class MadeStores: Sendable {
    let stores = Mutex<[(store: PostgresLedgerStore, url: String)]>([])
}
