import TallyCore

/// The realm's overview (docs/CONSOLE.md): members, currencies, what moved in the last day and
/// week, and a chart of the changes per hour, drawn here as inline SVG (no script, no image
/// from anywhere).
extension ConsolePages {
    /// The hours the overview reads and charts: the last 7 days, this hour included.
    public static let chartHours = 168

    public static func overview(_ overview: RealmOverview, currencies: [Currency], now: Int64, signedIn: SignedIn)
        -> Markup
    {
        let thisHour = ActivityHour.start(of: now)
        let dayStart = thisHour - 23 * ActivityHour.length
        let weekStart = thisHour - Int64(chartHours - 1) * ActivityHour.length
        let rows: [Markup] = currencies.map { currency in
            let hours = overview.activity.filter { $0.currencyID == currency.id }
            let day = Totals(hours.filter { $0.hourStart >= dayStart })
            let week = Totals(hours.filter { $0.hourStart >= weekStart })
            return """
                <tr><td>\(currency.name)\(currency.isDefault ? Markup(" <small>default</small>") : "")\
                \(currency.archivedAtMilliseconds != nil ? Markup(" <small>archived</small>") : "")</td>\
                <td class="number">\(day.changes)</td><td class="number">\(day.credited)</td>\
                <td class="number">\(day.debited)</td><td class="number">\(week.changes)</td>\
                <td class="number">\(week.credited)</td><td class="number">\(week.debited)</td></tr>
                """
        }
        return layout(
            title: "Overview", signedIn: signedIn,
            """
            <h2>Overview</h2>
            <p class="figures"><span><strong>\(overview.members)</strong> members</span> \
            <span><strong>\(currencies.count)</strong> \(currencies.count == 1 ? "currency" : "currencies")</span></p>
            <h3>Changes per hour, last 7 days</h3>
            \(chart(overview.activity, from: weekStart, hours: chartHours))
            <h3>Points moved</h3>
            <table><thead><tr><th rowspan="2">Currency</th><th colspan="3">Last 24 hours</th><th colspan="3">Last 7 days</th></tr>\
            <tr><th class="number">Changes</th><th class="number">Added</th><th class="number">Taken</th>\
            <th class="number">Changes</th><th class="number">Added</th><th class="number">Taken</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            <p class="note">Times are UTC. A change is one member's balance change in one currency.</p>
            """)
    }

    /// The changes of every currency per hour from `from`, as bars scaled to the busiest hour,
    /// each with its hour and count as a tooltip.
    static func chart(_ activity: [ActivityHour], from: Int64, hours: Int) -> Markup {
        var changes = [Int64](repeating: 0, count: hours)
        for hour in activity where hour.hourStart >= from {
            let index = Int((hour.hourStart - from) / ActivityHour.length)
            if index < hours { changes[index] = Totals.add(changes[index], hour.changes) }
        }
        let busiest = max(changes.max() ?? 0, 1)
        let height = 100
        let bars: [Markup] = changes.enumerated().compactMap { index, count in
            guard count > 0 else { return nil }
            let barHeight = max(1, Int((Double(count) / Double(busiest) * Double(height - 4)).rounded()))
            let start = from + Int64(index) * ActivityHour.length
            return """
                <rect x="\(index * 4)" y="\(height - barHeight)" width="3" height="\(barHeight)">\
                <title>\(time(start)): \(count) \(count == 1 ? "change" : "changes")</title></rect>
                """
        }
        let total = changes.reduce(Int64(0), Totals.add)
        return """
            <figure class="chart">
            <svg viewBox="0 0 \(hours * 4) \(height)" preserveAspectRatio="none" role="img" \
            aria-label="Changes per hour over the last 7 days: \(total) in all, at most \(busiest) in an hour">\
            <line x1="0" y1="\(height)" x2="\(hours * 4)" y2="\(height)"></line>\(bars)</svg>
            <figcaption><span>\(time(from))</span><span>busiest hour: \(changes.max() ?? 0)</span><span>now</span></figcaption>
            </figure>
            """
    }

    /// The sums of some hours of one currency, capped at `Int64.max`.
    struct Totals {
        var changes: Int64 = 0
        var credited: Int64 = 0
        var debited: Int64 = 0

        /// `a + b`, or `Int64.max` past it (both are never negative).
        static func add(_ a: Int64, _ b: Int64) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? Int64.max : sum
        }

        init(_ hours: [ActivityHour]) {
            for hour in hours {
                changes = Self.add(changes, hour.changes)
                credited = Self.add(credited, hour.credited)
                debited = Self.add(debited, hour.debited)
            }
        }
    }
}
