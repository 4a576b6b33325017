import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import TallyCore
import TallyTestSupport
import TallyWebhooks
import Testing

/// The receivers docs/EVENTS.md gives (docs/examples), run as written against real deliveries
/// whose text is awkward (quotes, slashes, non-ASCII, emoji): the JavaScript one checks DRIP's
/// signature the way DRIP's own examples do, over `JSON.stringify` of the parsed body, and both
/// check Tally's timestamped signature. A receiver that cannot verify answers 401, which the
/// attempts would show.
@Suite(.serviceScope) struct WebhookReceiverExamplesTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/examples")

    static func available(_ program: String) -> Bool { (try? Subprocess.run(["which", program])) != nil }

    @Test(.enabled(if: available("node"), "Node.js is not installed (CI installs it)"))
    func theJavaScriptReceiverVerifiesEveryDelivery() async throws {
        try await Self.verify(with: ["node", Self.examples.appendingPathComponent("webhook-receiver.js").path])
    }

    @Test func thePythonReceiverVerifiesEveryDelivery() async throws {
        try await Self.verify(with: ["python3", Self.examples.appendingPathComponent("webhook_receiver.py").path])
    }

    static func verify(with command: [String]) async throws {
        let h = try await HTTPHarness.make(.sqlite)
        defer { h.cleanUp() }
        let secret = WebhookSecret()
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["TALLY_WEBHOOK_SECRET": secret.text, "PORT": "0"]) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collected = OutputCollector(output)
        try process.run()
        defer {
            // SIGKILL: a child of the test process inherits a signal mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        func lines() -> [[String: Any]] {
            collected.text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = lines().compactMap { $0["listening"] as? Int }.first
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let listening = try #require(port, "the receiver did not start: \(collected.text)")
        let webhook = try await h.store.createWebhook(
            WebhookDraft(
                id: IDGenerator().make(), realmID: h.realm.id, url: "http://127.0.0.1:\(listening)/hook", types: nil,
                enabled: true, secret: secret), limit: 5, now: Int64(Date().timeIntervalSince1970 * 1_000))
        let policy = DeliveryPolicy(attemptsMax: 3, retryBaseMilliseconds: 20)
        var logger = Logger(label: "tally.test.webhooks")
        logger.logLevel = .error
        ServiceScope.startForTest(
            WebhookDeliverer(
                store: h.store, sender: HTTPWebhookSender(allowPrivate: true, policy: policy), policy: policy,
                owner: "examples", logger: logger, pollInterval: .milliseconds(20)))

        // Text that JSON writers disagree on: quotes, backslashes, slashes, non-ASCII, emoji.
        let gems = try await h.store.createCurrency(
            CurrencyDraft(name: #"Gems/Stars "cut" \ ünï 💎"#, emoji: "💎"), in: h.realm.id)
        let zoe = try await h.store.createMember(
            Credentials(username: #"zoë/"q"\🎉 </script>"#, email: "zoë@exämple.com"), in: h.realm.id)
        _ = try await h.store.apply(
            try Batch(
                realmID: h.realm.id, changes: [Change(memberID: zoe.id, amount: 5, currencyID: gems.id)],
                initiatorID: #"bot "β" / ✓"#))
        let last = try await h.store.lastEventSeq(in: h.realm.id)
        let expected = Array(Int(webhook.deliveredThrough + 1)...Int(last))
        var verified = [Int]()
        for _ in 0..<400 where verified != expected {
            verified = lines().compactMap { $0["verified"] as? Int }
            if verified != expected { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(verified == expected, "every event verified, in order: \(collected.text)")
        let attempts = try await h.store.deliveryAttempts(of: webhook.id, in: h.realm.id, limit: 100) ?? []
        #expect(attempts.allSatisfy { $0.statusCode == 200 }, "no delivery was refused: \(attempts)")
    }
}
