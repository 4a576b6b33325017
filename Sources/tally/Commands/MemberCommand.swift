import ArgumentParser
import Foundation
import Logging
import TallyCore
import TallyRepresentations

/// `tally member create` and `tally member import`.
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Manage members.", subcommands: [Create.self, Import.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a member and print it.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's id.") var realm: String
        @Option var username: String?
        @Option var discordId: String?
        @Option var twitterId: String?
        @Option var wallet: String?
        @Option var email: String?
        @Option(help: "The wallet's chain, such as eip155 or solana (EVM addresses default to eip155).")
        var walletChain: String?
        @Option(help: "The wallet's application, such as metamask.") var walletName: String?

        func run() async throws {
            try await runReportingErrors {
                let credentials = Credentials(
                    username: username, discordId: discordId, twitterId: twitterId, wallet: wallet, email: email,
                    walletChain: walletChain, walletName: walletName)
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(
                        Representation.MemberBody(try await store.createMember(credentials, in: try parseRealm(realm))))
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create members from CSV (header: username,discord-id,twitter-id,wallet,email,wallet-chain,wallet-name in any order).",
            discussion:
                "All rows are created in one transaction, or none. Prints one JSON object per created member; progress goes to stderr."
        )
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's id.") var realm: String
        @Argument(help: "The CSV file, or - for standard input.") var file: String

        func run() async throws {
            try await runReportingErrors {
                let realmID = try parseRealm(realm)
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    let started = Date()
                    let rows = try MemberCSV.parse(try readInput())
                    Output.progress("parsed rows", done: rows.count, total: rows.count)
                    let total = rows.count
                    let members = try await store.importMembers(rows, in: realmID) { done in
                        Output.progress("imported members", done: done, total: total)
                    }
                    Output.memberLines(members)
                    let seconds = Date().timeIntervalSince(started)
                    Output.message(
                        "tally: imported \(members.count) members in \(String(format: "%.2f", seconds)) s (\(Int(Double(members.count) / max(seconds, 0.001))) rows/s)."
                    )
                }
            }
        }

        /// The CSV bytes, from the file or standard input.
        private func readInput() throws -> [UInt8] {
            if file == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TallyError.validation("Cannot read \(file).")
            }
            return Array(data)
        }
    }
}
