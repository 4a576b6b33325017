import ArgumentParser
import Logging
import TallyCore
import TallyRepresentations

/// `tally webhook create|list|delete`: a realm's webhook subscriptions, from the command line
/// (the API's `…/webhooks` routes do the same; docs/EVENTS.md).
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Manage webhook subscriptions.",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe a URL to a realm's events and print the signing secret (shown only this once).")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm whose events it receives.") var realm: String
        @Option(help: "The receiver's http:// or https:// URL.") var url: String
        @Option(
            help:
                "Comma-separated event types (default: every type). Known: \(EventType.allCases.map(\.rawValue).joined(separator: ","))"
        )
        var types: String?
        @Flag(help: "Create it disabled.") var disabled = false
        @Flag(help: "Allow a loopback, link-local or private address (the server must run with the same flag).")
        var allowPrivate = false

        func run() async throws {
            try await runReportingErrors {
                let realmID = try parseRealm(realm)
                let checked = try WebhookURL(url, allowPrivate: allowPrivate, limits: .standard)
                let typeSet = try types.map { text throws(TallyError) in
                    try EventType.parse(
                        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, field: "--types")
                }
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    let webhook = try await store.createWebhook(
                        WebhookDraft(
                            id: IDGenerator().make(), realmID: realmID, url: checked.text, types: typeSet,
                            enabled: !disabled, secret: WebhookSecret()),
                        limit: Limits.standard.webhooksPerRealmMax, now: TallyClock.system.now.millisecondsSince1970)
                    Output.json(Representation.WebhookBody(webhook, showingSecret: true))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print webhook subscriptions (never their secrets), one per line.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "Only this realm's subscriptions.") var realm: String?

        func run() async throws {
            try await runReportingErrors {
                let realmID = try realm.map(parseRealm)
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.jsonLines(try await store.webhooks(in: realmID).map { Representation.WebhookBody($0) })
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a webhook subscription and its recorded attempts; no delivery starts after it.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The subscription's realm.") var realm: String
        @Argument(help: "The subscription's id.") var id: String

        func run() async throws {
            try await runReportingErrors {
                let realmID = try parseRealm(realm)
                guard let webhookID = WebhookID(id) else {
                    throw TallyError.validation("The subscription id must be 24 hexadecimal digits.")
                }
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    guard try await store.deleteWebhook(webhookID, in: realmID) else {
                        throw TallyError(.notFound, "No webhook subscription \(webhookID) in realm \(realmID).")
                    }
                    Output.json(["deleted": webhookID.rawValue])
                }
            }
        }
    }
}
