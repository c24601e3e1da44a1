import DocketCore

/// The step types that ship with Docket, for the command-line tool to register.
public enum BuiltinSteps {
    public static let all: [any Step] = [
        RenderStep(), InputStep(), CollectFilesStep(), DraftConsultationStep(), CommitteeReviewStep(), VoteStep(), IssueAnswerStep(), ReportStep(),
    ]

    /// A registry holding the built-ins; `agenda` lets the vote and report steps send a tally or
    /// an acknowledgement for a case on an open meeting's agenda to that meeting; `profile` is
    /// the council profile the vote and answer steps use when a workflow names none.
    public static func registry(agenda: (any AgendaLookup)? = nil, profile: CouncilProfileSource = CouncilProfileSource(path: nil)) -> StepRegistry {
        var registry = StepRegistry()
        // The built-ins have distinct names: a clash here is a programming error.
        for step in all {
            let bound: any Step = step is VoteStep ? VoteStep(agenda: agenda, profile: profile)
                : step is ReportStep ? ReportStep(agenda: agenda)
                : step is IssueAnswerStep ? IssueAnswerStep(profile: profile) : step
            try! registry.register(bound)
        }
        return registry
    }
}
