import Prometheus
import TallyCore
import TallyMetrics
import TallyTestSupport
import Testing

@testable import TallyPostgres

/// The PostgreSQL store's metrics: its pool (size, connections in use) and the writes it
/// committed, recorded into a registry of the test's own.
@Suite struct PostgresMetricsTests {
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func thePoolAndCommittedWritesAreReported() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let registry = PrometheusCollectorRegistry()
        let metrics = TallyMetrics(factory: PrometheusMetricsFactory(registry: registry))
        func scrape() throws -> [PrometheusText.Family] { try PrometheusText.parse(registry.emitToString()) }
        try await ServiceScope.with { scope in
            let store = scope.start(
                try PostgresLedgerStore(
                    url: url, poolSize: 3, logger: PostgresServer.storeLogger, metrics: metrics,
                    connectionWait: PostgresServer.connectionWait))
            let realm = try await store.createRealm(name: "Pool")
            _ = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            let member = try await store.createMember(Credentials(username: "m"), in: realm.id)
            _ = try await store.apply(
                try Batch(
                    realmID: realm.id,
                    changes: [Change(memberID: member.id, amount: 5), Change(memberID: member.id, amount: 2)]))
            await #expect(throws: TallyError.self) {
                try await store.apply(try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: -99)]))
            }
            let inside = try await store.transaction("test") { _ in
                try scrape().value("tally_postgres_connections_in_use")
            }
            #expect(inside == 1, "the transaction's connection is in use")
            let families = try scrape()
            #expect(families.value("tally_postgres_pool_size") == 3)
            #expect(families.value("tally_postgres_connections_in_use") == 0)
            #expect(families.value("tally_writes_committed_total") == 4, "realm, currency, member, batch")
            #expect(families.value("tally_batches_committed_total") == 1)
            #expect(families.value("tally_changes_applied_total") == 2)
        }
        await server.dropDatabase(url)
    }
}
