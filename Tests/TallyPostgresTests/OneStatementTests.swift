import Prometheus
import TallyCore
import TallyMetrics
import TallyTestSupport
import Testing

@testable import TallyPostgres

/// The one-round-trip batch path (docs/decisions/0010-postgres-one-round-trip.md) against its
/// oracle, `BatchPlanner` itself: thousands of random batches, sent alternately through two
/// servers on one database (so each one's `PlanningCache` is often stale), must each end exactly
/// as the planner decides from the true balances: the same entries, or the same rejection.
@Suite struct OneStatementTests {
    static let rounds = 2_000

    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func randomBatchesThroughTwoServersEndAsThePlannerDecides() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let registries = [PrometheusCollectorRegistry(), PrometheusCollectorRegistry()]
        try await ServiceScope.with { scope in
            let stores = registries.map { registry in
                scope.start(
                    try! PostgresLedgerStore(
                        url: url, poolSize: 4, logger: PostgresServer.storeLogger,
                        metrics: TallyMetrics(factory: PrometheusMetricsFactory(registry: registry)),
                        connectionWait: PostgresServer.connectionWait))
            }
            let setup = stores[0]
            let realm = try await setup.createRealm(name: "Differential")
            let points = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            var capped = try await setup.createCurrency(
                CurrencyDraft(name: "Capped", minimumBalance: -50, maximumBalance: 1_000), in: realm.id)
            var old = try await setup.createCurrency(CurrencyDraft(name: "Old"), in: realm.id)
            old = try await setup.setCurrencyArchived(old.id, in: realm.id, archived: true)
            var members = [MemberID]()
            for index in 0..<10 {
                members.append(try await setup.createMember(Credentials(username: "m\(index)"), in: realm.id).id)
            }
            // A member of another realm: unknown here.
            let elsewhere = try await setup.createRealm(name: "Elsewhere")
            let stranger = try await setup.createMember(Credentials(username: "x"), in: elsewhere.id).id

            var generator = SplitMix64(seed: 0x7A11_7A11)
            var model = [BalanceKey: Int64]()
            var outcomes = [String: Int]()
            for round in 0..<Self.rounds {
                // Now and then the other server moves the capped currency's ceiling (only ever up
                // to or above every balance, so the edit itself is accepted).
                if round % 200 == 199 {
                    let highest = model.filter { $0.key.currencyID == capped.id }.values.max() ?? 0
                    var patch = CurrencyPatch()
                    patch.maximumBalance = .some(max(highest, 0) + Int64(generator.next() % 400))
                    capped = try await stores[(round / 200) % 2].updateCurrency(capped.id, in: realm.id, patch: patch)
                }
                var changes = [Change]()
                for _ in 0..<(1 + Int(generator.next() % 6)) {
                    let member =
                        generator.next() % 100 == 0 ? stranger : members[Int(generator.next() % UInt64(members.count))]
                    let currency: CurrencyID? =
                        switch generator.next() % 20 {
                        case 0..<9: nil
                        case 9..<11: points.id
                        case 11..<19: capped.id
                        default: old.id
                        }
                    let amount: Int64 =
                        switch generator.next() % 40 {
                        case 0: Int64.max - Int64(generator.next() % 5)
                        case 1: -1_000_000
                        default: Int64(generator.next() % 400) - 150
                        }
                    changes.append(Change(memberID: member, amount: amount == 0 ? 1 : amount, currencyID: currency))
                }
                let batch = try Batch(realmID: realm.id, changes: changes)

                let references = BatchPlanner.References(
                    existingMembers: Set(members), currencies: [points.id: points, capped.id: capped, old.id: old],
                    defaultCurrencyID: points.id)
                let expected: Result<BatchPlan, TallyError>
                do throws(TallyError) {
                    let resolved = try BatchPlanner.resolve(batch, references: references)
                    expected = .success(try BatchPlanner.plan(resolved, balances: model))
                } catch {
                    expected = .failure(error)
                }
                let store = stores[Int(generator.next() % 2)]
                do {
                    let receipt = try await store.apply(batch)
                    let plan = try expected.get()
                    #expect(
                        receipt.changes.map {
                            [
                                $0.memberID.rawValue, $0.currencyID.rawValue, "\($0.amount)", "\($0.balanceBefore)",
                                "\($0.balanceAfter)",
                            ]
                        }
                            == plan.entries.map {
                                [
                                    $0.memberID.rawValue, $0.currencyID.rawValue, "\($0.amount)", "\($0.balanceBefore)",
                                    "\($0.balanceAfter)",
                                ]
                            },
                        "round \(round)")
                    for final in plan.finalBalances { model[final.key] = final.balance }
                    outcomes["applied", default: 0] += 1
                } catch let error as TallyError {
                    switch expected {
                    case .success:
                        Issue.record("round \(round): \(error.code) \(error.message), but the planner applies it")
                    case .failure(let planned):
                        #expect(error.code == planned.code && error.message == planned.message, "round \(round)")
                        #expect(error.details == planned.details, "round \(round)")
                    }
                    outcomes[error.code.rawValue, default: 0] += 1
                }
            }
            // Every kind of ending happened, and both paths ran on both servers.
            #expect(outcomes["applied", default: 0] > Self.rounds / 4, "\(outcomes)")
            for code in ["INSUFFICIENT_BALANCE", "BALANCE_LIMIT_EXCEEDED", "AMOUNT_OVERFLOW", "CURRENCY_NOT_FOUND"] {
                #expect(outcomes[code, default: 0] > 0, "no \(code) in \(outcomes)")
            }
            #expect(outcomes.keys.contains { $0.contains("NOT_FOUND") && $0 != "CURRENCY_NOT_FOUND" }, "\(outcomes)")
            var paths = [String: Double]()
            for registry in registries {
                let families = try PrometheusText.parse(registry.emitToString())
                for path in PostgresBatchPath.allCases {
                    let count = families.value("tally_postgres_batches_total", ["path": path.rawValue])
                    #expect(count > 0, "no batch took the \(path.rawValue) path")
                    paths[path.rawValue, default: 0] += count
                }
            }
            print(
                "one-statement differential: \(Self.rounds) batches, outcomes \(outcomes.sorted { $0.key < $1.key }), paths \(paths.sorted { $0.key < $1.key })"
            )
            // The database agrees with the model, and its books balance.
            for (key, balance) in model {
                #expect(try await setup.balance(key, in: realm.id) == balance)
            }
            #expect(try await setup.verify { _ in }.isClean)
        }
        await server.dropDatabase(url)
    }

    /// Batches through two servers keep pushing balances up while a third connection keeps
    /// lowering (and raising) the currency's ceiling: an edit either waits for the batches that
    /// planned under the old ceiling or makes them plan again, so no balance is ever left above
    /// the ceiling that was accepted (`tally verify` checks every balance against its limits).
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func ceilingEditsRacingBatchesStrandNoBalance() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        try await ServiceScope.with { scope in
            let stores = (0..<2).map { _ in
                scope.start(
                    try! PostgresLedgerStore(
                        url: url, poolSize: 4, logger: PostgresServer.storeLogger,
                        connectionWait: PostgresServer.connectionWait))
            }
            let realm = try await stores[0].createRealm(name: "Ceiling")
            let capped = try await stores[0].createCurrency(
                CurrencyDraft(name: "Capped", isDefault: true, maximumBalance: 1_000), in: realm.id)
            var created = [MemberID]()
            for index in 0..<6 {
                created.append(try await stores[0].createMember(Credentials(username: "c\(index)"), in: realm.id).id)
            }
            let members = created
            let editsAccepted = try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        var generator = SplitMix64(seed: UInt64(writer + 1))
                        for _ in 0..<300 {
                            let member = members[Int(generator.next() % UInt64(members.count))]
                            let batch = try Batch(
                                realmID: realm.id,
                                changes: [Change(memberID: member, amount: Int64(1 + generator.next() % 20))])
                            do { _ = try await stores[writer % 2].apply(batch) } catch let error as TallyError {
                                // Over the ceiling of the moment: a clean rejection, nothing else.
                                #expect(error.code == .balanceLimitExceeded, "\(error.code) \(error.message)")
                            }
                        }
                        return 0
                    }
                }
                group.addTask {
                    var generator = SplitMix64(seed: 99)
                    var accepted = 0
                    for round in 0..<160 {
                        var patch = CurrencyPatch()
                        patch.maximumBalance = .some(round % 10 == 9 ? 1_000 : Int64(100 + generator.next() % 400))
                        do {
                            _ = try await stores[round % 2].updateCurrency(capped.id, in: realm.id, patch: patch)
                            accepted += 1
                        } catch let error as TallyError {
                            // A balance above the new ceiling already: refused, as it must be.
                            #expect(error.code == .validation, "\(error.code) \(error.message)")
                        }
                    }
                    return accepted
                }
                return try await group.reduce(0, +)
            }
            #expect(editsAccepted > 0, "some ceiling edits went through")
            let report = try await stores[0].verify { _ in }
            #expect(report.isClean, "\(report.violations)")
        }
        await server.dropDatabase(url)
    }
}
