package fakegitlab

func handleApproval(c *call) reply           { return notFoundRoute }
func handleListProtectedEnvs(c *call) reply  { return notFoundRoute }
func handleCreateProtectedEnv(c *call) reply { return notFoundRoute }
func handleGetProtectedEnv(c *call) reply    { return notFoundRoute }
func handleUpdateProtectedEnv(c *call) reply { return notFoundRoute }
func handleDeleteProtectedEnv(c *call) reply { return notFoundRoute }
