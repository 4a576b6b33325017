import TallyCore

/// Webhook subscriptions and their delivery state (docs/EVENTS.md): where a subscription starts,
/// what its settings and redelivery change, that a realm sees only its own, and that the lease
/// hands each subscription to one deliverer at a time.
enum WebhookCases {
    static func draft(_ f: Fixture, types: Set<EventType>? = nil, realm: RealmID? = nil) -> WebhookDraft {
        WebhookDraft(
            id: IDGenerator().make(), realmID: realm ?? f.realm.id, url: "https://hooks.example.com/tally",
            types: types, enabled: true, secret: WebhookSecret())
    }

    static func attempt(_ webhook: Webhook, _ event: Event, _ result: DeliveryResult, now: Int64) -> DeliveryReport {
        DeliveryPolicy(attemptsMax: 2, retryBaseMilliseconds: 1_000).outcome(
            of: result, event: event, webhook: webhook, attemptID: IDGenerator().make(), startedAt: now, now: now,
            jitter: 0.5)
    }

    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "a subscription starts after its realm's last event and belongs to its realm alone") { factory in
            let f = try await Fixture.make(factory)
            let other = try await f.store.createRealm(name: "Other")
            let last = try await f.store.lastEventSeq(in: f.realm.id)
            try expectEqual(last, 4, "the fixture's four events (a currency, three members)")
            try expectEqual(try await f.store.lastEventSeq(in: other.id), 0, "a realm with no event")
            let made = try await f.store.createWebhook(draft(f, types: [.memberJoined]), limit: 5, now: 1_000)
            try expectEqual(made.deliveredThrough, 4, "placed after the last event")
            try expectEqual(made.types, [.memberJoined], "its types")
            try expectEqual(try await f.store.webhook(made.id, in: f.realm.id), made, "read back as made")
            try expectEqual(try await f.store.webhook(made.id, in: other.id), nil, "not another realm's")
            try expectEqual(try await f.store.webhooks(in: other.id), [], "another realm lists none")
            try expectEqual(try await f.store.webhooks(in: nil).map(\.id), [made.id], "every realm's")
            try expectEqual(
                try await f.store.updateWebhook(made.id, in: other.id, WebhookPatch(enabled: false), now: 2_000), nil,
                "another realm cannot change it")
            try expectEqual(try await f.store.deleteWebhook(made.id, in: other.id), false, "nor delete it")
            try expectEqual(
                try await f.store.deliveryAttempts(of: made.id, in: other.id, limit: 10), nil, "nor read its attempts")
            _ = try await expectTallyError(.notFound, "a realm that does not exist") {
                _ = try await f.store.createWebhook(draft(f, realm: IDGenerator().make()), limit: 5, now: 1_000)
            }

            let secret = WebhookSecret()
            let changed = try await f.store.updateWebhook(
                made.id, in: f.realm.id,
                WebhookPatch(url: "https://other.example.com/", types: .some(nil), enabled: false, secret: secret),
                now: 3_000)
            try expectEqual(changed?.url, "https://other.example.com/", "the new URL")
            try expectEqual(changed?.types, nil, "every type")
            try expectEqual(changed?.enabled, false, "off")
            try expectEqual(changed?.secret, secret, "the rotated secret")
            try expectEqual(changed?.updatedAtMilliseconds, 3_000, "updated")
            try expectEqual(try await f.store.webhook(made.id, in: f.realm.id), changed, "stored")

            let back = try await f.store.redeliverWebhook(made.id, in: f.realm.id, from: 2, now: 4_000)
            try expectEqual(back?.deliveredThrough, 1, "redelivery from 2 starts after 1")
            _ = try await expectTallyError(.validation, "redelivery past the next event") {
                _ = try await f.store.redeliverWebhook(made.id, in: f.realm.id, from: 6, now: 4_000)
            }
            _ = try await expectTallyError(.validation, "redelivery from 0") {
                _ = try await f.store.redeliverWebhook(made.id, in: f.realm.id, from: 0, now: 4_000)
            }

            _ = try await f.store.createWebhook(draft(f), limit: 2, now: 1_000)
            _ = try await expectTallyError(.validation, "past the realm's limit") {
                _ = try await f.store.createWebhook(draft(f), limit: 2, now: 1_000)
            }
            try expectEqual(try await f.store.deleteWebhook(made.id, in: f.realm.id), true, "deleted")
            try expectEqual(try await f.store.webhook(made.id, in: f.realm.id), nil, "gone")
            try expectEqual(try await f.store.deleteWebhook(made.id, in: f.realm.id), false, "deleted once")
        },
        .init(name: "a deliverer claims due subscriptions with events, one owner at a time, and records each attempt") {
            factory in
            let f = try await Fixture.make(factory)
            let hook = try await f.store.createWebhook(draft(f), limit: 5, now: 1_000)
            try expectEqual(
                try await f.store.claimWebhooks(owner: "a", now: 2_000, leaseUntil: 60_000, limit: 10), [],
                "nothing to deliver yet")
            _ = try await f.store.apply(try f.batch([(0, 10)]))
            _ = try await f.store.apply(try f.batch([(1, 10)]))
            let claimed = try await f.store.claimWebhooks(owner: "a", now: 2_000, leaseUntil: 60_000, limit: 10)
            try expectEqual(claimed.map(\.id), [hook.id], "due, with events after its place")
            try expectEqual(
                try await f.store.claimWebhooks(owner: "b", now: 3_000, leaseUntil: 60_000, limit: 10), [],
                "held by a until its lease runs out")
            let events = try await f.store.events(in: f.realm.id, after: hook.deliveredThrough, limit: 10, types: nil)
            try expectEqual(events.map(\.sequence), [5, 6], "the two batches' events")

            // The first attempt fails: the place stays, the next attempt waits.
            let failed = attempt(claimed[0], events[0], .answered(status: 500), now: 4_000)
            try expectTrue(try await f.store.recordDelivery(failed, owner: "a", leaseUntil: 70_000), "a holds it")
            try expectTrue(
                try await !f.store.recordDelivery(failed, owner: "b", leaseUntil: 70_000), "b does not hold it")
            var stored = try await f.store.webhook(hook.id, in: f.realm.id)
            try expectEqual(stored?.deliveredThrough, 4, "not past the failed event")
            try expectEqual(stored?.attempts, 1, "one failed attempt")
            try expectEqual(stored?.nextAttemptAtMilliseconds, 5_000, "retried after the base delay")
            try await f.store.releaseWebhooks(hook.id, owner: "a")
            try expectEqual(
                try await f.store.claimWebhooks(owner: "b", now: 4_500, leaseUntil: 60_000, limit: 10), [],
                "not due before its next attempt")
            guard
                let again = try await f.store.claimWebhooks(owner: "b", now: 5_000, leaseUntil: 60_000, limit: 10)
                    .first
            else { throw ConformanceFailure("due again at its next attempt") }
            // The second and last attempt fails too: the event is marked failed and passed.
            try expectTrue(
                try await f.store.recordDelivery(
                    attempt(again, events[0], .noAnswer(reason: "refused"), now: 5_000), owner: "b",
                    leaseUntil: 70_000), "b holds it now")
            stored = try await f.store.webhook(hook.id, in: f.realm.id)
            try expectEqual(stored?.deliveredThrough, 5, "past the failed event")
            try expectEqual(stored?.lastFailedSeq, 5, "marked failed")
            try expectEqual(stored?.attempts, 0, "no failed attempt at the next event")
            guard let current = stored else { throw ConformanceFailure("the subscription is gone") }
            try expectTrue(
                try await f.store.recordDelivery(
                    attempt(current, events[1], .answered(status: 204), now: 6_000), owner: "b", leaseUntil: 70_000),
                "delivered")
            let attempts = try await f.store.deliveryAttempts(of: hook.id, in: f.realm.id, limit: 10) ?? []
            try expectEqual(attempts.map(\.outcome), [.delivered, .failed, .retrying], "newest first")
            try expectEqual(attempts.map(\.eventSeq), [6, 5, 5], "the events tried")
            try expectEqual(attempts.map(\.statusCode), [204, nil, 500], "the statuses")
            try expectEqual(attempts[1].error, "refused", "why the second failed")
            try expectEqual(
                try await f.store.claimWebhooks(owner: "c", now: 80_000, leaseUntil: 90_000, limit: 10), [],
                "nothing left to deliver, whoever asks")

            // A redelivery takes the lease away, so the holder's next record is refused.
            _ = try await f.store.apply(try f.batch([(2, 10)]))
            guard
                let held = try await f.store.claimWebhooks(owner: "c", now: 80_000, leaseUntil: 90_000, limit: 10)
                    .first
            else { throw ConformanceFailure("the new event makes it due") }
            _ = try await f.store.redeliverWebhook(hook.id, in: f.realm.id, from: 5, now: 81_000)
            let late = try await f.store.events(in: f.realm.id, after: 6, limit: 10, types: nil)
            try expectTrue(
                try await !f.store.recordDelivery(
                    attempt(held, late[0], .answered(status: 200), now: 82_000), owner: "c", leaseUntil: 90_000),
                "the lease went with the redelivery")
            try expectEqual(
                try await f.store.webhook(hook.id, in: f.realm.id)?.deliveredThrough, 4, "redelivery's place kept")
            try expectEqual(
                try await f.store.claimWebhooks(owner: "d#1", now: 82_000, leaseUntil: 90_000, limit: 10).map(\.id),
                [hook.id], "free for the next claim")
            // A claim that lost its lease cannot free the lease of a later claim of the same server.
            _ = try await f.store.redeliverWebhook(hook.id, in: f.realm.id, from: 5, now: 82_000)
            try expectEqual(
                try await f.store.claimWebhooks(owner: "d#2", now: 82_000, leaseUntil: 90_000, limit: 10).map(\.id),
                [hook.id], "claimed again after the redelivery")
            try await f.store.releaseWebhooks(hook.id, owner: "d#1")
            try expectEqual(
                try await f.store.claimWebhooks(owner: "x", now: 83_000, leaseUntil: 90_000, limit: 10), [],
                "still held by the later claim")

            // A subscription that receives only some types is moved past the others.
            try await f.store.advanceWebhook(hook.id, through: 7, owner: "d#2")
            try expectEqual(try await f.store.webhook(hook.id, in: f.realm.id)?.deliveredThrough, 7, "advanced")
            try await f.store.advanceWebhook(hook.id, through: 6, owner: "d#2")
            try expectEqual(try await f.store.webhook(hook.id, in: f.realm.id)?.deliveredThrough, 7, "never back")
            // A server that starts again frees every lease it took, under any claim of it.
            try await f.store.releaseWebhooks(nil, owner: "d")

            // A disabled subscription is not claimed; its holder is told to stop.
            _ = try await f.store.apply(try f.batch([(2, 10)]))
            guard
                let last = try await f.store.claimWebhooks(owner: "e", now: 83_000, leaseUntil: 90_000, limit: 10)
                    .first
            else { throw ConformanceFailure("due again") }
            _ = try await f.store.updateWebhook(hook.id, in: f.realm.id, WebhookPatch(enabled: false), now: 83_000)
            let newest = try await f.store.events(in: f.realm.id, after: 7, limit: 10, types: nil)
            try expectTrue(
                try await !f.store.recordDelivery(
                    attempt(last, newest[0], .answered(status: 200), now: 84_000), owner: "e", leaseUntil: 90_000),
                "disabled: stop")
            try await f.store.releaseWebhooks(nil, owner: "e")
            try expectEqual(
                try await f.store.claimWebhooks(owner: "f", now: 85_000, leaseUntil: 90_000, limit: 10), [],
                "a disabled subscription is not claimed")

            try expectEqual(try await f.store.pruneDeliveryAttempts(before: 5_500, limit: 100), 2, "two before 5.5 s")
            try expectEqual(
                try await f.store.deliveryAttempts(of: hook.id, in: f.realm.id, limit: 10)?.count, 2, "the rest kept")
            try expectTrue(try await f.store.deleteWebhook(hook.id, in: f.realm.id), "deleted with its attempts")
        },
        .init(name: "claims racing from many deliverers hand each subscription to exactly one") { factory in
            let f = try await Fixture.make(factory)
            var hooks = Set<WebhookID>()
            for _ in 0..<6 { hooks.insert(try await f.store.createWebhook(draft(f), limit: 10, now: 1_000).id) }
            _ = try await f.store.apply(try f.batch([(0, 1)]))
            let claims = try await withThrowingTaskGroup(of: [WebhookID].self) { group in
                for owner in 0..<8 {
                    group.addTask {
                        try await f.store.claimWebhooks(
                            owner: "owner\(owner)", now: 2_000, leaseUntil: 60_000, limit: 2
                        )
                        .map(\.id)
                    }
                }
                return try await group.reduce(into: [WebhookID]()) { $0 += $1 }
            }
            try expectEqual(claims.count, 6, "every subscription claimed once: \(claims)")
            try expectEqual(Set(claims), hooks, "each of them")
        },
    ]
}
