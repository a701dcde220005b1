// Sample reviews for the Analyze tab, written for this project (not taken from the IMDb data).
export const SAMPLES = {
  positive:
    "A wonderful surprise. The performances are warm and natural, the script is sharp and often very funny, " +
    "and the last twenty minutes are genuinely moving. I left the theatre smiling and have recommended it " +
    "to everyone I know. One of the best films of the year.",
  negative:
    "What a waste of two hours. The plot makes no sense, the dialogue is wooden and the lead looks bored in " +
    "every scene. I kept waiting for it to get better, but it never did. Avoid this one; it is dull, " +
    "predictable and far too long.",
  mixed:
    "The cinematography is stunning and the score is lovely, but the story is thin and the pacing drags " +
    "badly in the middle. Some scenes are brilliant, others are painfully awkward. Worth watching once for " +
    "the visuals, though I doubt I would see it again.",
};
