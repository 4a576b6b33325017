import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// The webhook subscription routes: the secret shown once, the address rules, and validation.
@Suite(.serviceScope) struct WebhookRoutesTests {
    @Test(arguments: Backend.all) func theSecretIsShownAtCreationAndRotationOnly(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let hooks = "/api/v1/realms/\(h.realm.id)/webhooks"
        try await h.test { client in
            let created = try await client.send(
                .post, hooks, key: h.key,
                json: #"{"url":"https://hooks.example.com/tally","types":["member.joined","member.points.awarded"]}"#)
            #expect(created.status == .created)
            let body = try object(created)
            let secret = try #require(body["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && secret.count == 70)
            #expect(body["types"] as? [String] == ["member.joined", "member.points.awarded"])
            #expect(body["enabled"] as? Bool == true)
            // The realm's five events (two currencies, three members) came before it.
            #expect((body["delivery"] as? [String: Any])?["deliveredThrough"] as? Int == 5)
            let id = try #require(body["id"] as? String)

            let listed = try await client.send(.get, hooks, key: h.key)
            let one = try await client.send(.get, "\(hooks)/\(id)", key: h.key)
            let changed = try await client.send(.patch, "\(hooks)/\(id)", key: h.key, json: #"{"enabled":false}"#)
            for response in [listed, one, changed] {
                #expect(response.status == .ok)
                #expect(
                    !String(buffer: response.body).contains("whsec_"), "no secret: \(String(buffer: response.body))")
            }
            #expect((try object(changed))["enabled"] as? Bool == false)
            #expect(((try object(listed))["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

            let rotated = try object(
                try await client.send(.patch, "\(hooks)/\(id)", key: h.key, json: #"{"rotateSecret":true}"#))
            let next = try #require(rotated["secret"] as? String)
            #expect(next.hasPrefix("whsec_") && next != secret)
            #expect(try await h.store.webhook(try #require(WebhookID(id)), in: h.realm.id)?.secret.text == next)

            let every = try object(
                try await client.send(.patch, "\(hooks)/\(id)", key: h.key, json: #"{"types":null}"#))
            #expect(every["types"] is NSNull)

            let redelivered = try await client.send(.post, "\(hooks)/\(id)/redeliver?from=2", key: h.key)
            #expect(((try object(redelivered))["delivery"] as? [String: Any])?["deliveredThrough"] as? Int == 1)
            try expectFailure(
                try await client.send(.post, "\(hooks)/\(id)/redeliver", key: h.key), .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.post, "\(hooks)/\(id)/redeliver?from=99", key: h.key), .badRequest,
                "VALIDATION_ERROR")
            let attempts = try object(try await client.send(.get, "\(hooks)/\(id)/attempts", key: h.key))
            #expect((attempts["data"] as? [Any])?.isEmpty == true)

            #expect(try await client.send(.delete, "\(hooks)/\(id)", key: h.key).status == .noContent)
            try expectFailure(try await client.send(.get, "\(hooks)/\(id)", key: h.key), .notFound, "Not Found")
            try expectFailure(try await client.send(.delete, "\(hooks)/\(id)", key: h.key), .notFound, "Not Found")
            try expectFailure(try await client.send(.get, "\(hooks)/not-an-id", key: h.key), .notFound, "Not Found")
        }
    }

    @Test(arguments: Backend.all) func privateAddressesAreRefusedWithoutTheFlag(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let hooks = "/api/v1/realms/\(h.realm.id)/webhooks"
        let refused = [
            "http://127.0.0.1:9000/hook", "http://localhost/hook", "http://10.1.2.3/", "http://192.168.1.10/",
            "http://172.20.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/",
            "http://[fd00::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
            "http://100.64.0.1/", "https://intranet/hook", "http://printer.local/",
        ]
        try await h.test { client in
            for url in refused {
                let failure = try expectFailure(
                    try await client.send(.post, hooks, key: h.key, json: #"{"url":"\#(url)"}"#), .badRequest,
                    "VALIDATION_ERROR")
                #expect(failure.message.contains("--webhooks-allow-private"), "\(url): \(failure.message)")
            }
            for (body, why) in [
                (#"{"url":"ftp://hooks.example.com/"}"#, "another scheme"),
                (#"{"url":"https://user:pass@hooks.example.com/"}"#, "a password in the URL"),
                (#"{"url":"https://hooks.example.com/#x"}"#, "a fragment"),
                (#"{"url":"https://hooks.example.com:99999/"}"#, "a port out of range"),
                (#"{"url":"https:///path"}"#, "no host"),
                (#"{"url":"https://hooks.example.com/ space"}"#, "a space"),
                (#"{"url":"https://hooks.example.com/","types":[]}"#, "no type"),
                (#"{"url":"https://hooks.example.com/","types":["points.stolen"]}"#, "an unknown type"),
                (#"{"types":["member.joined"]}"#, "no url"),
                (#"{"url":"https://hooks.example.com/\#(String(repeating: "a", count: 2_100))"}"#, "too long"),
            ] {
                try expectFailure(
                    try await client.send(.post, hooks, key: h.key, json: body), .badRequest, "VALIDATION_ERROR",
                    sourceLocation: #_sourceLocation)
                _ = why
            }
            #expect(try await h.store.webhooks(in: h.realm.id).isEmpty, "nothing half-made")
        }
        try await h.testAllowingPrivateWebhooks { client in
            let created = try await client.send(
                .post, hooks, key: h.key, json: #"{"url":"http://127.0.0.1:9000/hook"}"#)
            #expect(created.status == .created, "allowed with the flag")
            let id = try #require((try object(created))["id"] as? String)
            // A change of URL is checked as a creation is.
            #expect(
                try await client.send(.patch, "\(hooks)/\(id)", key: h.key, json: #"{"url":"http://10.0.0.1/"}"#).status
                    == .ok)
        }
        try await h.test { client in
            let id = try #require(try await h.store.webhooks(in: h.realm.id).first?.id)
            try expectFailure(
                try await client.send(.patch, "\(hooks)/\(id)", key: h.key, json: #"{"url":"http://10.0.0.2/"}"#),
                .badRequest, "VALIDATION_ERROR")
        }
    }

    @Test func aRealmHasAtMostItsLimitOfSubscriptions() async throws {
        var limits = Limits(batchSizeMax: 10, bodyBytesMax: 4_096)
        limits.webhooksPerRealmMax = 2
        let h = try await HTTPHarness.make(.sqlite, limits: limits)
        defer { h.cleanUp() }
        let hooks = "/api/v1/realms/\(h.realm.id)/webhooks"
        try await h.test { client in
            for _ in 0..<2 {
                #expect(
                    try await client.send(.post, hooks, key: h.key, json: #"{"url":"https://hooks.example.com/"}"#)
                        .status == .created)
            }
            let failure = try expectFailure(
                try await client.send(.post, hooks, key: h.key, json: #"{"url":"https://hooks.example.com/"}"#),
                .badRequest, "VALIDATION_ERROR")
            #expect(failure.message.contains("at most 2"))
            // Another realm has its own count.
            #expect(
                try await client.send(
                    .post, "/api/v1/realms/\(h.otherRealm.id)/webhooks", key: h.otherRealmKey,
                    json: #"{"url":"https://hooks.example.com/"}"#
                ).status == .created)
        }
    }
}
