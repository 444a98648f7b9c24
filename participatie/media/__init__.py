"""What residents upload: photos read within limits and written anew without their metadata."""
