import TallyCore

/// Idempotency-Key records: stored with the write, replayed on retry, refused when reused.
enum IdempotencyCases {
    static func claim(_ key: String, scope: String = "realm", request: String = "request") throws -> IdempotencyClaim {
        try IdempotencyClaim(scope: scope, key: key, requestHash: Hashing.sha256(Array(request.utf8))) { result in
            switch result {
            case .receipt(let receipt):
                StoredResponse(status: 200, body: Array("\(receipt.changes.map(\.balanceAfter))".utf8))
            case .member(let member): StoredResponse(status: 201, body: Array(member.id.rawValue.utf8))
            default: StoredResponse(status: 204, body: [])
            }
        }
    }

    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "a retry with the same key and request replays the stored response and applies nothing") {
            factory in
            let f = try await Fixture.make(factory)
            let first = try await f.store.perform(.apply(try f.batch([(0, 10)])), idempotency: try claim("k1"))
            guard case .performed(_, .some(let stored)) = first else {
                throw ConformanceFailure("first call must perform")
            }
            try expectEqual(stored, StoredResponse(status: 200, body: Array("[10]".utf8)), "rendered response")
            let again = try await f.store.perform(.apply(try f.batch([(0, 10)])), idempotency: try claim("k1"))
            try expectEqual(again, .replayed(stored), "replay")
            try expectEqual(try await f.balance(0), 10, "applied once")
            let member = try await f.store.perform(
                .createMember(Credentials(username: "once"), metadata: nil, realm: f.realm.id),
                idempotency: try claim("k2", request: "m"))
            let memberAgain = try await f.store.perform(
                .createMember(Credentials(username: "once"), metadata: nil, realm: f.realm.id),
                idempotency: try claim("k2", request: "m"))
            guard case .performed(_, .some(let created)) = member else {
                throw ConformanceFailure("member must be created")
            }
            try expectEqual(memberAgain, .replayed(created), "member creation replays instead of conflicting")
            try await f.expectClean()
        },
        .init(name: "the same key with another request is IDEMPOTENCY_KEY_REUSED and applies nothing") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.perform(.apply(try f.batch([(0, 10)])), idempotency: try claim("k", request: "a"))
            _ = try await expectTallyError(.idempotencyKeyReused, "reused key") {
                _ = try await f.store.perform(.apply(try f.batch([(0, 99)])), idempotency: try claim("k", request: "b"))
            }
            try expectEqual(try await f.balance(0), 10, "nothing more applied")
        },
        .init(name: "a failed write stores no record, so the same key may succeed later") { factory in
            let f = try await Fixture.make(factory)
            _ = try await expectTallyError(.insufficientBalance, "overdraft") {
                _ = try await f.store.perform(
                    .apply(try f.batch([(0, -5)])), idempotency: try claim("k", request: "take"))
            }
            _ = try await f.store.apply(try f.batch([(0, 5)]))
            let retried = try await f.store.perform(
                .apply(try f.batch([(0, -5)])), idempotency: try claim("k", request: "take"))
            guard case .performed = retried else { throw ConformanceFailure("the retry must perform") }
            try expectEqual(try await f.balance(0), 0, "applied once, after the failure")
        },
        .init(name: "keys are scoped: the same key in two scopes is two keys") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.perform(.apply(try f.batch([(0, 1)])), idempotency: try claim("k", scope: "a"))
            let other = try await f.store.perform(
                .apply(try f.batch([(0, 1)])), idempotency: try claim("k", scope: "b"))
            guard case .performed = other else { throw ConformanceFailure("another scope must perform") }
            try expectEqual(try await f.balance(0), 2, "both applied")
        },
        .init(name: "concurrent requests with one key apply exactly once") { factory in
            let f = try await Fixture.make(factory)
            let outcomes = try await withThrowingTaskGroup(of: WriteOutcome.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await f.store.perform(.apply(try f.batch([(0, 7)])), idempotency: try claim("same"))
                    }
                }
                var all = [WriteOutcome]()
                for try await outcome in group { all.append(outcome) }
                return all
            }
            let performed = outcomes.filter { if case .performed = $0 { true } else { false } }
            try expectEqual(performed.count, 1, "one performed, the rest replayed")
            try expectEqual(try await f.balance(0), 7, "applied once")
            try await f.expectClean()
        },
        .init(name: "pruning removes only records older than the cutoff") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.perform(.apply(try f.batch([(0, 1)])), idempotency: try claim("old"))
            try expectEqual(
                try await f.store.pruneIdempotencyRecords(before: 0, limit: 10), 0, "nothing is older than 1970")
            let replay = try await f.store.perform(.apply(try f.batch([(0, 1)])), idempotency: try claim("old"))
            guard case .replayed = replay else { throw ConformanceFailure("the record must still be there") }
            try expectEqual(try await f.store.pruneIdempotencyRecords(before: Int64.max, limit: 10), 1, "pruned")
            let after = try await f.store.perform(.apply(try f.batch([(0, 1)])), idempotency: try claim("old"))
            guard case .performed = after else { throw ConformanceFailure("a pruned key is new again") }
            try expectEqual(try await f.balance(0), 2, "applied twice across the pruning")
        },
    ]
}
